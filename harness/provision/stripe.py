"""Connecting the booking service to the simulated Stripe, as an operator connects it to the real one.

``settings`` gives the app what a deployment's environment would: the API base
and a test-mode secret and publishable key. ``connect`` then does the
operator's part: the account gets that secret key (what creating a key in the
Dashboard does), and the app's own command creates its webhook endpoint through
Stripe's API (``booking-app payments register-webhook``). The signing secret it
prints is what an operator would paste into ``STRIPE_WEBHOOK_SECRET``; here it
goes straight into the running app's configuration.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from app_under_test.config import Config
from harness import http_clients
from harness.provision import Simulators


def settings(sim: Simulators) -> dict[str, Any]:
    return {
        "stripe_api_base": f"{sim.url}/stripe",
        "stripe_secret_key": f"sk_test_{secrets.token_urlsafe(24)}",
        "stripe_publishable_key": f"pk_test_{secrets.token_urlsafe(24)}",
    }


def register_webhook(flask_app: Flask, *extra: str) -> str:
    """Run ``booking-app payments register-webhook`` and return the secret it printed."""
    result = flask_app.test_cli_runner().invoke(args=["payments", "register-webhook", *extra])
    if result.exit_code != 0:
        raise RuntimeError(f"booking-app payments register-webhook failed: {result.output}{result.exception or ''}")
    printed = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    if not printed.get("STRIPE_WEBHOOK_SECRET", "").startswith("whsec_"):
        raise RuntimeError(f"booking-app payments register-webhook printed no secret: {result.output}")
    return printed["STRIPE_WEBHOOK_SECRET"]


def connect(sim: Simulators, config: Config, flask_app: Flask) -> None:
    response = http_clients.post(
        f"{sim.url}/_sim/stripe/config", timeout=30, json={"api_keys": [config.stripe_secret_key]}
    )
    if response.status_code != 200:
        raise RuntimeError(f"could not configure the Stripe account: {response.status_code} {response.text[:300]}")
    config.stripe_webhook_secret = register_webhook(flask_app)
