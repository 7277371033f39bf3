"""Provider states of the Calendly API pact, set up in the simulator through its control API.

Each setup returns the values the replayed requests need (provider-state
injected values): the ids and times the simulator chose. Names must match the
``State`` names in ``contracts/consumer/calendly_api_cases.py``.
"""

from __future__ import annotations

from typing import Any

from contracts.provider.calendly_sim import CalendlySim, Host, bare, iso
from simulators.calendly.times import parse

HOUR = 3600


def _host(sim: CalendlySim, params: dict[str, Any]) -> tuple[Host, dict[str, Any], dict[str, Any]]:
    host = sim.host(name="Ada Host", token=params["token"])
    event_type = sim.event_type(host, duration=30)
    now = sim.now()
    window_start = now + 24 * HOUR
    values = {
        "user_uri": host.uri,
        "organization_uri": host.organization,
        "event_type_uri": event_type["uri"],
        "start_time": iso(window_start),
        "end_time": iso(window_start + 24 * HOUR),
    }
    values["slot_start"] = sim.open_starts(host, event_type)[0]
    return host, event_type, values


def host_with_event_type(sim: CalendlySim, params: dict[str, Any]) -> dict[str, Any]:
    return _host(sim, params)[2]


def invitee_booked_through_the_app(sim: CalendlySim, params: dict[str, Any]) -> dict[str, Any]:
    _, event_type, values = _host(sim, params)
    invitee = sim.book(
        event_type,
        values["slot_start"],
        {"name": "Grace Hopper", "email": "grace@example.com", "timezone": "Europe/Paris"},
        tracking={"utm_source": "booking-app", "utm_content": params["utm_content"]},
    )
    start = parse(values["slot_start"])
    return {
        **values,
        "event_uuid": bare(invitee["event"]),
        "invitee_uuid": bare(invitee["uri"]),
        "min_start_time": iso(start - HOUR),
        "max_start_time": iso(start + 24 * HOUR),
    }


def subscription_exists(sim: CalendlySim, params: dict[str, Any]) -> dict[str, Any]:
    host, _, values = _host(sim, params)
    subscription = sim.subscribe(host, params["callback_url"])
    return {**values, "subscription_uuid": bare(subscription["uri"])}


def rate_limit_used_up(sim: CalendlySim, params: dict[str, Any]) -> dict[str, Any]:
    values = _host(sim, params)[2]
    sim.control("POST", "/config", json={"rate_limit": {"limit": 0, "window_seconds": 3600}})
    return values


def first_open_time_taken(sim: CalendlySim, params: dict[str, Any]) -> dict[str, Any]:
    _, event_type, values = _host(sim, params)
    sim.book(event_type, values["slot_start"], {"name": "Someone Else", "email": "else@example.com"})
    return values


def setups(sim: CalendlySim) -> dict[str, Any]:
    handlers = {
        "a Calendly host using the app's token, with an event type open every day": host_with_event_type,
        "an invitee booked through the app": invitee_booked_through_the_app,
        "the app's webhook subscription exists": subscription_exists,
        "the app's token has used up its rate limit": rate_limit_used_up,
        "the host's first open time was just booked by someone else": first_open_time_taken,
    }
    return {name: (lambda params, handler=handler: handler(sim, params)) for name, handler in handlers.items()}
