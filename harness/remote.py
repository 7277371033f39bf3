"""The features against a deployed copy of the booking service (``harness run --target URL``).

The app runs elsewhere, started on its own and configured with the simulators' URLs and keys
(``harness serve --print-config`` prints exactly those variables); the harness reaches it only
through its public pages, its public JSON API and its operator API, and the simulators through
theirs. The configuration file the app was started with (``--target-env``, ``KEY=value`` lines)
gives the harness the same keys the in-process app would have told it.

A scenario runs against a target only when it needs nothing a shared deployment cannot give;
the others are skipped with the reason:

- it changes the app's configuration, restarts it or inspects it in-process;
- it sets up its own world (builders, bookings, provider accounts and fault plans): the
  in-process harness gives each scenario an empty database and freshly reset simulators,
  which a deployed copy shared by every scenario does not.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app_under_test.config import Config
from harness import http_clients

TARGET_URL = "HARNESS_TARGET_URL"
TARGET_SIMULATORS = "HARNESS_TARGET_SIMULATORS"
TARGET_CONFIG = "HARNESS_TARGET_CONFIG"

# the step sentences that reconfigure, stop or look inside the app (harness steps --grep shows them)
IN_PROCESS = re.compile(
    r"production environment|checks the configuration|database that does not answer|"
    r"the app stops answering|the app is back|into the app's configuration",
    re.IGNORECASE,
)
IN_PROCESS_REASON = (
    "changes the app's configuration, restarts it or looks inside it: only the in-process app allows that"
)
OWN_WORLD_REASON = (
    "sets up its own builders, bookings and provider state: needs an empty database and freshly reset simulators "
    "per scenario, which a shared deployed copy does not give"
)
NOT_A_SCENARIO_REASON = "not a feature scenario: only the features run against a deployed target"


def target_url() -> str | None:
    return os.environ.get(TARGET_URL) or None


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (shell quoting allowed, ``#`` comments), as ``--print-config`` writes them."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            values[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    return values


def format_env(values: dict[str, str]) -> str:
    return "\n".join(f"{key}={shlex.quote(value)}" for key, value in sorted(values.items()))


def target_environment(args: Any) -> dict[str, str]:
    """What ``harness run --target`` hands to pytest."""
    if not args.simulators or not args.target_env:
        raise SystemExit("harness run --target URL needs --simulators URL and --target-env FILE (see --help)")
    return {
        TARGET_URL: args.target.rstrip("/"),
        TARGET_SIMULATORS: args.simulators.rstrip("/"),
        TARGET_CONFIG: str(Path(args.target_env).resolve()),
        "HARNESS_DATABASES": "target",
    }


@dataclass
class RemoteApp:
    """The deployed app, as the steps see an in-process one: its URL, its keys and its operator API."""

    url: str
    config: Config

    def admin(self) -> httpx.Client:
        return http_clients.client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.config.admin_api_token}"}
        )

    def stop(self) -> None:
        """Nothing to stop: the app is not ours."""


@dataclass
class RemoteSimulators:
    """Simulators started elsewhere; never reset here, since the target app's accounts live in them."""

    url: str

    def control(self) -> httpx.Client:
        return http_clients.client(base_url=f"{self.url}/_sim", timeout=30)

    def reset(self, seed: int) -> None:
        """Left alone: a reset would remove the accounts and webhook endpoints the target was configured with."""

    def stop(self) -> None:
        """Nothing to stop."""


def remote_app() -> RemoteApp:
    env = read_env_file(Path(os.environ[TARGET_CONFIG]))
    return RemoteApp(url=os.environ[TARGET_URL], config=Config.from_env(env))


def remote_simulators() -> RemoteSimulators:
    return RemoteSimulators(url=os.environ[TARGET_SIMULATORS])


class NoDatabases:
    """The target owns its database: nothing to create or drop per scenario."""

    def create(self) -> str:
        return ""

    def drop(self, url: str) -> None:
        pass

    def close(self) -> None:
        pass


# ----------------------------------------------------------------------------------------- plugin


def skip_reason(item: pytest.Item) -> str | None:
    """Why this test cannot run against a deployed target (None: it can)."""
    from harness.selection import scenario_of

    template = scenario_of(item)
    if template is None:
        return NOT_A_SCENARIO_REASON
    steps = template.steps
    if any(IN_PROCESS.search(step.name) for step in steps):
        return IN_PROCESS_REASON
    if any(step.type == "given" for step in steps):
        return OWN_WORLD_REASON
    return None


@pytest.fixture(scope="session")
def target_databases() -> NoDatabases:
    return NoDatabases()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not target_url():
        return
    for item in items:
        reason = skip_reason(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"deployed target: {reason}"))


def pytest_report_header(config: pytest.Config) -> str | None:
    if not target_url():
        return None
    return f"deployed target: {target_url()} (simulators {os.environ.get(TARGET_SIMULATORS)})"
