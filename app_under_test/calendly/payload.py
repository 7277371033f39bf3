"""Calendly webhook payloads read into typed values, or refused with the reason.

The envelope was checked before the event was stored (``calendly_ingest``);
what is checked here is whether the payload carries what its handler needs.
A payload that does not can never be applied, however often it is retried, so
it is ``Unprocessable``: a dead letter whose reason names the missing field.

The same readers serve reconciliation, which gets invitees and scheduled events
from the API instead of webhooks (the webhook payload is the API's invitee with
the scheduled event embedded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app_under_test.event_outcomes import Unprocessable
from app_under_test.timeutil import parse_utc_iso


@dataclass(frozen=True)
class Cancellation:
    canceled_by: str | None
    reason: str | None
    canceler_type: str | None
    at: datetime | None


@dataclass(frozen=True)
class InviteeChange:
    """One invitee as a webhook (or the API) describes it, at the moment ``occurred_at``."""

    uri: str
    email: str
    name: str
    timezone: str | None
    event_uri: str
    event_type_uri: str
    start: datetime
    end: datetime
    occurred_at: datetime
    tracking: dict[str, Any] = field(default_factory=dict)
    rescheduled: bool = False
    old_invitee: str | None = None
    new_invitee: str | None = None
    cancellation: Cancellation | None = None
    routing_form_submission: str | None = None

    @property
    def booking_ref(self) -> str | None:
        """The booking's public id, when this app booked the invitee (``tracking.utm_content``)."""
        value = self.tracking.get("utm_content")
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Submission:
    uri: str
    routing_form: str
    answers: list[dict[str, Any]]
    submitter: str | None
    result_event_type: str | None
    occurred_at: datetime


def _text(data: dict[str, Any], name: str, where: str = "payload") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Unprocessable(f"{where}.{name} is required (a non-empty string)")
    return value


def _optional_text(data: dict[str, Any], name: str, where: str = "payload") -> str | None:
    """Absent or null is None; anything else must be a non-empty string."""
    return None if data.get(name) is None else _text(data, name, where)


def _time(data: dict[str, Any], name: str, where: str) -> datetime:
    raw = _text(data, name, where)
    try:
        return parse_utc_iso(raw)
    except ValueError:
        raise Unprocessable(f"{where}.{name} is not an ISO-8601 time with a zone: {raw!r}") from None


def _object(data: dict[str, Any], name: str, where: str = "payload") -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise Unprocessable(f"{where}.{name} is required (an object)")
    return value


def _occurred_at(envelope: dict[str, Any]) -> datetime:
    try:
        return parse_utc_iso(str(envelope.get("created_at")))
    except ValueError:
        raise Unprocessable("created_at is not an ISO-8601 time with a zone") from None


def read_invitee(payload: dict[str, Any], occurred_at: datetime) -> InviteeChange:
    """The invitee fields every invitee event needs (payload = the invitee with ``scheduled_event``)."""
    if "invitee" in payload and "email" not in payload:
        raise Unprocessable(
            "payload is the REST invitee_no_show resource ({uri, invitee, created_at}), "
            "not the invitee Calendly's webhooks carry"
        )
    email = _text(payload, "email")
    if "@" not in email:
        raise Unprocessable(f"payload.email is not an email address: {email!r}")
    event = _object(payload, "scheduled_event")
    where = "payload.scheduled_event"
    tracking = payload.get("tracking")
    if tracking is not None and not isinstance(tracking, dict):
        raise Unprocessable("payload.tracking must be an object or null")
    start, end = _time(event, "start_time", where), _time(event, "end_time", where)
    if end <= start:
        raise Unprocessable(f"{where}.end_time must be after start_time")
    event_uri = _text(event, "uri", where)
    if payload.get("event") not in (None, event_uri):
        raise Unprocessable("payload.event and payload.scheduled_event.uri name different events")
    return InviteeChange(
        uri=payload["uri"],
        email=email.strip().lower(),
        name=_text(payload, "name").strip(),
        timezone=_optional_text(payload, "timezone"),
        event_uri=event_uri,
        event_type_uri=_text(event, "event_type", where),
        start=start,
        end=end,
        occurred_at=occurred_at,
        tracking=dict(tracking or {}),
        rescheduled=bool(payload.get("rescheduled")),
        old_invitee=_optional_text(payload, "old_invitee"),
        new_invitee=_optional_text(payload, "new_invitee"),
        cancellation=read_cancellation(payload.get("cancellation")),
        routing_form_submission=_optional_text(payload, "routing_form_submission"),
    )


def read_cancellation(raw: Any) -> Cancellation | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise Unprocessable("payload.cancellation must be an object")
    at = None
    if raw.get("created_at") is not None:
        at = _time(raw, "created_at", "payload.cancellation")
    return Cancellation(
        canceled_by=raw.get("canceled_by"), reason=raw.get("reason"), canceler_type=raw.get("canceler_type"), at=at
    )


def invitee_created(envelope: dict[str, Any]) -> InviteeChange:
    return read_invitee(envelope["payload"], _occurred_at(envelope))


def invitee_canceled(envelope: dict[str, Any]) -> InviteeChange:
    payload = envelope["payload"]
    if not isinstance(payload.get("rescheduled"), bool):
        raise Unprocessable(
            "payload.rescheduled is required (true or false): without it a reschedule "
            "cannot be told from a cancellation"
        )
    change = read_invitee(payload, _occurred_at(envelope))
    if change.rescheduled and not change.new_invitee:
        raise Unprocessable("payload.new_invitee is required when rescheduled is true")
    if not change.rescheduled:
        _object(payload, "cancellation")
        _text(payload["cancellation"], "canceler_type", "payload.cancellation")
    return change


def no_show_created(envelope: dict[str, Any]) -> InviteeChange:
    change = read_invitee(envelope["payload"], _occurred_at(envelope))
    _text(_object(envelope["payload"], "no_show"), "uri", "payload.no_show")
    return change


def no_show_deleted(envelope: dict[str, Any]) -> InviteeChange:
    return read_invitee(envelope["payload"], _occurred_at(envelope))


def routing_form_submission(envelope: dict[str, Any]) -> Submission:
    payload = envelope["payload"]
    answers = payload.get("questions_and_answers")
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise Unprocessable("payload.questions_and_answers is required (a list of objects)")
    result = payload.get("result")
    result_type = result.get("value") if isinstance(result, dict) and result.get("type") == "event_type" else None
    return Submission(
        uri=payload["uri"],
        routing_form=_text(payload, "routing_form"),
        answers=answers,
        submitter=_optional_text(payload, "submitter"),
        result_event_type=result_type if isinstance(result_type, str) else None,
        occurred_at=_occurred_at(envelope),
    )
