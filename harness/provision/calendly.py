"""Connecting the booking service to the simulated Calendly, as an operator connects it to the real one.

``settings`` gives the app what a deployment's environment would: the API base,
a personal access token, the account's username, the webhook signing key, and
``SLOT_PROVIDER=calendly``. ``connect`` then does the operator's part once the
app is up: the marketplace's Calendly account (the user owning that token) is
created in the simulator, and the app registers its own webhook subscription
with its own command (``booking-app calendly register-webhook``), as an operator does.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from flask import Flask

from app_under_test.config import Config
from harness import http_clients
from harness.answers import object_field
from harness.provision import Simulators

ACCOUNT_SLUG = "marketplace-ops"


def settings(sim: Simulators) -> dict[str, Any]:
    return {
        "calendly_api_base": f"{sim.url}/calendly",
        "calendly_api_token": f"cal_pat_{secrets.token_hex(16)}",
        "calendly_username": ACCOUNT_SLUG,
        "calendly_webhook_signing_key": secrets.token_urlsafe(32),
        "slot_provider": "calendly",
    }


def _created(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"could not {what}: {response.status_code} {response.text[:300]}")
    created: dict[str, Any] = response.json()  # the control API answers with JSON objects
    return created


def connect(sim: Simulators, config: Config, flask_app: Flask) -> None:
    _created(
        http_clients.post(
            f"{sim.url}/_sim/calendly/users",
            timeout=30,
            json={
                "name": "Marketplace Operations",
                "email": "ops@marketplace.example.com",
                "slug": ACCOUNT_SLUG,
                "timezone": "UTC",
                "token": config.calendly_api_token,
            },
        ),
        "create the Calendly account",
    )
    result = flask_app.test_cli_runner().invoke(args=["calendly", "register-webhook"])
    if result.exit_code != 0:
        raise RuntimeError(f"booking-app calendly register-webhook failed: {result.output}{result.exception or ''}")


def add_host(sim: Simulators, *, name: str, slug: str, timezone: str, email: str) -> dict[str, Any]:
    """A builder's Calendly user (default availability: Monday to Friday, 09:00-17:00 in ``timezone``)."""
    return object_field(
        _created(
            http_clients.post(
                f"{sim.url}/_sim/calendly/users",
                timeout=30,
                json={"name": name, "slug": slug, "timezone": timezone, "email": email},
            ),
            "create a Calendly host",
        ),
        "resource",
    )


def add_event_type(sim: Simulators, *, host_slug: str, name: str, minutes: int) -> dict[str, Any]:
    return object_field(
        _created(
            http_clients.post(
                f"{sim.url}/_sim/calendly/event_types",
                timeout=30,
                json={"user": host_slug, "name": name, "duration": minutes},
            ),
            "create a Calendly event type",
        ),
        "resource",
    )


def mirror_builders(sim: Simulators, flask_app: Flask) -> int:
    """Give every builder in the app's database a Calendly user and event types in this (fresh) simulator.

    For ``make serve``: the demo marketplace is seeded straight into the database, and the simulator
    starts empty on every run, so each start re-creates the builders' calendars and re-points the
    builders and session types at them. Returns the number of builders mirrored.
    """
    from sqlalchemy import select

    from app_under_test.db import get_db
    from app_under_test.models import Builder

    with flask_app.app_context(), get_db().transaction() as session:
        builders = session.scalars(select(Builder).order_by(Builder.id)).all()
        for builder in builders:
            builder.calendly_user_uri = add_host(
                sim, name=builder.name, slug=builder.slug, timezone=builder.timezone, email=builder.email
            )["uri"]
            for session_type in builder.session_types:
                session_type.calendly_event_type_uri = add_event_type(
                    sim, host_slug=builder.slug, name=session_type.name, minutes=session_type.duration_minutes
                )["uri"]
        return len(builders)
