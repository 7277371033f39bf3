"""Start the booking service wired to the simulators, as a deployment is wired to the real providers."""

from __future__ import annotations

import importlib
from typing import Any

from harness.apps import RunningApp, start_app
from harness.provision import PROVIDERS
from harness.simulator import SimulatorHandle


def start_wired_app(database_url: str, sim: SimulatorHandle, *, port: int = 0) -> RunningApp:
    modules = [importlib.import_module(f"harness.provision.{name}") for name in PROVIDERS]
    overrides: dict[str, Any] = {}
    for module in modules:
        overrides.update(module.settings(sim))
    app = start_app(database_url, port=port, **overrides)
    for module in modules:
        module.connect(sim, app.config, app.flask_app)
    return app
