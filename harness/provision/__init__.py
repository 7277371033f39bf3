"""Connecting the booking service to the simulated providers, one module per provider.

Each module offers ``settings(sim) -> dict`` (configuration overrides for the app: base URLs,
keys) and ``connect(sim, config, flask_app) -> None`` (the operator's part: create the account
objects the configuration names, then run the app's own ``booking-app`` commands that register
webhook endpoints and templates, writing what they print into ``config``). The app need not be
serving yet: an app that will run as its own process is provisioned the same way, through a
throwaway instance with the same configuration. ``PROVIDERS`` lists the modules in the order they
are applied.
"""

from __future__ import annotations

from typing import Protocol


class Simulators(Protocol):
    """Where the simulators answer: an in-process ``SimulatorHandle`` or a separately started server."""

    @property
    def url(self) -> str: ...


PROVIDERS: tuple[str, ...] = ("calendly", "sendgrid", "stripe")
