"""Calendly webhook bodies: the envelope, its payloads, and the wrong shapes.

Calendly's envelope is ``{event, created_at, created_by, payload}`` with no
event id. For the four invitee events the payload is the whole invitee (the
REST resource plus an embedded ``scheduled_event``); for
``routing_form_submission.created`` it is the submission. Payloads are
snapshots taken when the action happens, rendered through ``resources`` so a
later GET agrees with them.

Shape variants are the ``wrong_shape`` faults a delivery plan can name:
``rest_no_show`` (no-show events only: the payload is the REST
``{uri, invitee, created_at}`` resource, which careless handlers confuse with
the webhook), ``payload_missing`` and ``payload_not_object``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulators.calendly import resources
from simulators.calendly.state import CalendlyState, Invitee, RoutingFormSubmission
from simulators.calendly.times import iso

ShapeVariant = Callable[[dict[str, Any]], dict[str, Any]]


def invitee_payload(state: CalendlyState, invitee: Invitee) -> dict[str, Any]:
    body = resources.invitee(state, invitee)
    body["scheduled_event"] = resources.scheduled_event(state, state.events[invitee.event_uuid])
    return body


def submission_payload(state: CalendlyState, submission: RoutingFormSubmission) -> dict[str, Any]:
    return resources.routing_form_submission(state, submission)


def envelope(event: str, created_at: float, created_by: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "created_at": iso(created_at), "created_by": created_by, "payload": payload}


def _without_payload(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "payload"}


def _payload_not_object(body: dict[str, Any]) -> dict[str, Any]:
    payload = body.get("payload")
    uri = payload.get("uri") if isinstance(payload, dict) else None
    return {**body, "payload": uri or "payload"}


def _rest_no_show_from(body: dict[str, Any]) -> dict[str, Any]:
    """The REST no-show shape, derived from an invitee payload (for events that carry no no-show)."""
    raw_payload = body.get("payload")
    payload = raw_payload if isinstance(raw_payload, dict) else {}
    raw_no_show = payload.get("no_show")
    no_show = raw_no_show if isinstance(raw_no_show, dict) else {}
    return {
        "uri": no_show.get("uri"),
        "invitee": payload.get("submitter", payload.get("uri")),
        "created_at": no_show.get("created_at", payload.get("created_at")),
    }


def shape_variants(rest_no_show: dict[str, Any] | None = None) -> dict[str, ShapeVariant]:
    """Every variant for every event, so a plan without ``event_type`` never fails on the wrong event."""
    return {
        "rest_no_show": lambda body: {**body, "payload": dict(rest_no_show or _rest_no_show_from(body))},
        "payload_missing": _without_payload,
        "payload_not_object": _payload_not_object,
    }
