"""Connecting the booking service to the simulated providers, one module per provider.

Each module offers ``settings(sim) -> dict`` (configuration overrides for the app: base URLs,
keys) and ``connect(sim, app) -> None`` (what an operator does once the app is up: register
webhook endpoints, create the account objects the app's configuration names). ``PROVIDERS``
lists the modules in the order they are applied.
"""

from __future__ import annotations

PROVIDERS: tuple[str, ...] = ("calendly", "sendgrid", "stripe")
