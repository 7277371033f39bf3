"""A builder on both sides of the boundary: a Calendly host with an event type per session, and the
app's builder offering those sessions, created through the operator API as an operator would.

The fixtures of the process, fault, replay and chaos tests each need "one builder with a session or
three" before anything else happens; this is that set-up, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from harness.provision import Simulators, calendly


@dataclass(frozen=True)
class SessionOffer:
    name: str
    minutes: int
    kind: str = "free"  # free, pathway or paid
    price_cents: int | None = None  # paid sessions only
    currency: str | None = None


def register_builder(
    admin: httpx.Client,
    *,
    name: str,
    timezone: str,
    email: str,
    host_uri: str,
    sessions: Sequence[tuple[SessionOffer, str]],
) -> None:
    """The app's builder for a Calendly host that already exists: each session with its event type's URI."""
    session_types: list[dict[str, Any]] = []
    for offer, event_type_uri in sessions:
        spec: dict[str, Any] = {
            "name": offer.name,
            "kind": offer.kind,
            "duration_minutes": offer.minutes,
            "calendly_event_type_uri": event_type_uri,
        }
        if offer.price_cents is not None:
            spec |= {"price_cents": offer.price_cents, "currency": offer.currency}
        session_types.append(spec)
    answer = admin.post(
        "/admin/api/builders",
        json={
            "name": name,
            "timezone": timezone,
            "email": email,
            "calendly_user_uri": host_uri,
            "session_types": session_types,
        },
    )
    assert answer.status_code == 201, f"POST /admin/api/builders: {answer.status_code} {answer.text[:500]}"


def add_calendly_builder(
    sim: Simulators,
    admin: httpx.Client,
    *,
    name: str,
    slug: str,
    timezone: str,
    email: str,
    sessions: Sequence[SessionOffer],
) -> dict[str, str]:
    """A new Calendly host with one event type per session, and the app's builder offering them.

    Returns each session's Calendly event type URI, by session name.
    """
    host = calendly.add_host(sim, name=name, slug=slug, timezone=timezone, email=email)
    uris = {
        offer.name: calendly.add_event_type(sim, host_slug=slug, name=offer.name, minutes=offer.minutes)["uri"]
        for offer in sessions
    }
    register_builder(
        admin,
        name=name,
        timezone=timezone,
        email=email,
        host_uri=host["uri"],
        sessions=[(offer, uris[offer.name]) for offer in sessions],
    )
    return uris
