"""Connecting the booking service to the simulated SendGrid, as an operator connects it to the real one.

``settings`` gives the app what a deployment's environment would: the API
base, an API key and the sender. ``connect`` then does the operator's part:
the account gets that API key (what creating a key in SendGrid's UI does),
and the app's own commands provision its dynamic templates
(``booking-app mail provision-templates``) and register the signed Event
Webhook (``booking-app mail register-webhook``) through SendGrid's v3 API.
What they print is exactly what an operator would paste into configuration;
here it goes straight into the running app's configuration.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from app_under_test.config import Config
from app_under_test.mail.kinds import TEMPLATES
from harness import http_clients
from harness.provision import Simulators

MAIL_FROM = "Builders Marketplace <bookings@marketplace.example.com>"
PRINTED_SETTINGS = {t.env_name: t.config_attr for t in TEMPLATES.values()} | {
    "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY": "sendgrid_event_webhook_public_key"
}


def settings(sim: Simulators) -> dict[str, Any]:
    return {
        "sendgrid_api_base": f"{sim.url}/sendgrid",
        "sendgrid_api_key": f"SG.{secrets.token_urlsafe(16)}.{secrets.token_urlsafe(32)}",
        "mail_from": MAIL_FROM,
    }


def _run(flask_app: Flask, *args: str) -> dict[str, str]:
    """Run a ``booking-app`` command against the app and read the ``NAME=value`` lines it prints."""
    result = flask_app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"booking-app {' '.join(args)} failed: {result.output}{result.exception or ''}")
    printed = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    unknown = sorted(set(printed) - set(PRINTED_SETTINGS))
    if unknown:
        raise RuntimeError(f"booking-app {' '.join(args)} printed unexpected settings: {unknown}")
    return printed


def connect(sim: Simulators, config: Config, flask_app: Flask) -> None:
    response = http_clients.post(
        f"{sim.url}/_sim/sendgrid/config",
        timeout=30,
        json={
            "api_keys": [config.sendgrid_api_key],
            "bounce_addresses": [],
            "deferred_addresses": [],
            "blocked_addresses": [],
        },
    )
    if response.status_code != 200:
        raise RuntimeError(f"could not configure the SendGrid account: {response.status_code} {response.text[:300]}")
    for name, value in (
        _run(flask_app, "mail", "provision-templates") | _run(flask_app, "mail", "register-webhook")
    ).items():
        setattr(config, PRINTED_SETTINGS[name], value)
