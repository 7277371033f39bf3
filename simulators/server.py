"""One WSGI process that hosts every simulated provider.

Mount points: ``/stripe``, ``/calendly``, ``/sendgrid`` (provider APIs and their
hosted pages) and ``/_sim`` (the control API: reset, clock, delivery plans,
journal, and each provider's own control routes under ``/_sim/<provider>``);
``/`` is the journal page (``simulators.workbench.pages``).
Each provider package exposes ``create_app(hub) -> Flask`` in its ``app``
module and ``control_blueprint(hub) -> Blueprint`` in its ``control`` module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from wsgiref.types import WSGIApplication

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from simulators.control import create_control_app
from simulators.delivery import DeliveryEngine
from simulators.hub import DEFAULT_SEED, SimHub
from simulators.workbench.pages import journal_app

# Providers mounted by the server, in mount order.
PROVIDERS: tuple[str, ...] = ("stripe", "calendly", "sendgrid")


@dataclass
class Simulator:
    hub: SimHub
    engine: DeliveryEngine
    wsgi_app: WSGIApplication


def create_simulator(
    *, seed: int = DEFAULT_SEED, auto_deliver: bool = True, read_timeout: float | None = None
) -> Simulator:
    """``read_timeout``: seconds a delivery waits for the receiver's answer (default: the engine's, 15 s)."""
    hub = SimHub(seed=seed)
    timeouts = {"read_timeout": read_timeout} if read_timeout is not None else {}
    engine = hub.engine = DeliveryEngine(hub.clock, seed=seed, auto=auto_deliver, **timeouts)
    hub.on_reset(lambda: engine.reset(seed=hub.seed))  # one seed replays ids and delivery order too

    control = create_control_app(hub)
    mounts: dict[str, WSGIApplication] = {}
    for name in PROVIDERS:
        provider_app = importlib.import_module(f"simulators.{name}.app").create_app(hub)
        mounts[f"/{name}"] = provider_app
        blueprint = importlib.import_module(f"simulators.{name}.control").control_blueprint(hub)
        control.register_blueprint(blueprint, url_prefix=f"/{name}")
    mounts["/_sim"] = control

    root = journal_app(hub, list(mounts))
    return Simulator(hub=hub, engine=engine, wsgi_app=DispatcherMiddleware(root, mounts))
