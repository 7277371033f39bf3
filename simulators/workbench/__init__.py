"""The developer's webhook workbench: forward, trigger, resend, inject, record and replay.

Each provider package that takes part has a ``workbench`` module with:

- ``EVENT_TYPES``: every event type it emits (plans naming another are refused);
- ``TRIGGERS``: trigger name -> one line saying which objects it creates;
- ``listen(hub, url, *, secret, events) -> dict``: register (or update) the endpoint or
  subscription for ``url`` and say which secret or key it is signed with;
- ``trigger(hub, name, overrides) -> dict``: create the objects that cause an event through the
  provider's own state machine (so ids, snapshots and follow-up events are real);
- ``inject(hub, body, to) -> list``: deliver a captured body, signed with the configured secret.

The routes live in ``simulators.workbench.routes``; the ``simulate`` commands in
``simulators.workbench.cli``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from simulators.delivery import DeliveryEngine
from simulators.hub import SimHub

# Providers with a workbench module, in the order ``--provider all`` visits them.
WORKBENCH_PROVIDERS: tuple[str, ...] = ("stripe", "calendly", "sendgrid")


class WorkbenchError(ValueError):
    """Input the workbench refuses (unknown trigger, bad override, nothing to send to)."""


def engine_of(hub: SimHub) -> DeliveryEngine:
    """The hub's delivery engine (the server always sets one)."""
    if hub.engine is None:
        raise WorkbenchError("this simulator has no delivery engine")
    return hub.engine


def provider_workbench(provider: str) -> ModuleType:
    if provider not in WORKBENCH_PROVIDERS:
        raise WorkbenchError(f"unknown provider {provider!r}; known: {', '.join(WORKBENCH_PROVIDERS)}")
    return importlib.import_module(f"simulators.{provider}.workbench")


def event_types(provider: str) -> tuple[str, ...]:
    """Every event type ``provider`` emits (empty for a provider without a workbench)."""
    if provider not in WORKBENCH_PROVIDERS:
        return ()
    return tuple(provider_workbench(provider).EVENT_TYPES)


def apply_overrides(target: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """``--set a.b=value`` pairs written into ``target`` (nested dicts are created; list indexes work)."""
    for path, value in overrides.items():
        parts = path.split(".")
        node = target
        for part in parts[:-1]:
            node = node[_index(part, path)] if isinstance(node, list) else node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise WorkbenchError(f"--set {path}: {part!r} is not an object")
        leaf = parts[-1]
        if isinstance(node, list):
            node[_index(leaf, path)] = value
        else:
            node[leaf] = value
    return target


def _index(part: str, path: str) -> int:
    if not part.isdigit():
        raise WorkbenchError(f"--set {path}: {part!r} is not a list index")
    return int(part)
