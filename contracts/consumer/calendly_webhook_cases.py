"""Calendly webhooks the booking service consumes, as message pacts handed to its real webhook endpoint.

Each message is signed and posted to ``/webhooks/calendly`` of a running app;
the case then checks what the handler did through the operator API. Covered:
the five events, plus the variants the app must tolerate: a single name field
(null ``first_name``/``last_name``) with no time zone, missing optional blocks
(no tracking, questions, payment...), both halves of a reschedule, a routing
form submitted with and without a booking. Messages that need a booking to act
on first deliver the ``invitee.created`` that made it (also a webhook).
"""

from __future__ import annotations

import json
from typing import Any

from pact import match

from contracts.consumer import consumer_app
from contracts.consumer.shapes import INVITEE_URI, UUID, time, uri_matching
from contracts.support.cases import MessageCase, State
from contracts.support.names import CALENDLY_WEBHOOKS

HOST_URI = "https://api.calendly.com/users/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def ids(n: int) -> dict[str, str]:
    """Distinct, coherent example ids for case ``n`` (event type, events, invitees)."""

    def uuid(kind: int) -> str:
        return f"{n:08x}-{kind:04x}-4000-8000-{n:012x}"

    event, moved_event = uuid(2), uuid(5)
    return {
        "event_type": f"https://api.calendly.com/event_types/{uuid(1)}",
        "event": f"https://api.calendly.com/scheduled_events/{event}",
        "invitee": f"https://api.calendly.com/scheduled_events/{event}/invitees/{uuid(3)}",
        "moved_event": f"https://api.calendly.com/scheduled_events/{moved_event}",
        "moved_invitee": f"https://api.calendly.com/scheduled_events/{moved_event}/invitees/{uuid(6)}",
        "no_show": f"https://api.calendly.com/invitee_no_shows/{uuid(4)}",
        "email": f"client{n}@example.com",
    }


def envelope(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event,
        "created_at": time("2030-01-01T10:00:00.000000Z"),
        "created_by": uri_matching("users", HOST_URI),
        "payload": payload,
    }


def invitee_payload(case: dict[str, str], *, moved: bool = False, single_name: bool = False, **fields: Any) -> dict:
    """The invitee fields the app reads; ``fields`` adds or overrides (e.g. cancellation, no_show)."""
    event = case["moved_event"] if moved else case["event"]
    invitee = case["moved_invitee"] if moved else case["invitee"]
    start = "2030-01-03T10:00:00.000000Z" if moved else "2030-01-02T09:00:00.000000Z"
    end = "2030-01-03T10:30:00.000000Z" if moved else "2030-01-02T09:30:00.000000Z"
    body: dict[str, Any] = {
        "uri": match.regex(invitee, regex=INVITEE_URI),
        "email": match.regex(case["email"], regex=r"^[^@\s]+@[^@\s]+$"),
        "name": match.str("Alan Turing" if single_name else "Grace Hopper"),
        "first_name": None if single_name else match.str("Grace"),
        "last_name": None if single_name else match.str("Hopper"),
        "timezone": None if single_name else match.str("Europe/Paris"),
        "status": match.regex("active", regex="^(active|canceled)$"),
        "event": uri_matching("scheduled_events", event),
        "rescheduled": match.bool(False),
        "scheduled_event": {
            "uri": uri_matching("scheduled_events", event),
            "event_type": uri_matching("event_types", case["event_type"]),
            "start_time": time(start),
            "end_time": time(end),
        },
    }
    body.update(fields)
    return body


def raw(body: Any) -> bytes:
    """The example message as the app would receive it: matchers replaced by their example values."""

    def plain(value: Any) -> Any:
        if hasattr(value, "value") and hasattr(value, "to_integration_json"):
            return plain(value.value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(body)).encode()


def deliver(message: bytes | str) -> str:
    return consumer_app.post_calendly(message)["processing"]


def only_booking(builder: str) -> dict[str, Any]:
    bookings = consumer_app.bookings_of(builder)
    assert len(bookings) == 1, bookings
    return bookings[0]


def booked_on_calendly(n: int, *, single_name: bool) -> MessageCase:
    case = ids(n)
    variant = "single name field, no time zone, no optional blocks" if single_name else "split names"
    contents = envelope("invitee.created", invitee_payload(case, single_name=single_name))
    if not single_name:
        contents["payload"].update(
            tracking={"utm_source": None, "utm_content": None},
            questions_and_answers=[],
            routing_form_submission=None,
            old_invitee=None,
            no_show=None,
        )

    def consume(body, metadata) -> None:
        builder = consumer_app.builder_with_calendly_event_type(case["event_type"])
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert (booking["status"], booking["source"]) == ("confirmed", "calendly")
        assert booking["calendly_invitee_uri"] == case["invitee"]
        assert booking["client_timezone"] == ("Europe/London" if single_name else "Europe/Paris")

    state = State("an invitee booked on Calendly directly", {"name_fields": "single" if single_name else "split"})
    return MessageCase(
        CALENDLY_WEBHOOKS, f"invitee.created, booked on Calendly ({variant})", contents, consume, states=(state,)
    )


def _with_booking(case: dict[str, str]) -> str:
    """The booking the message acts on, made the way Calendly makes it: an invitee.created."""
    builder = consumer_app.builder_with_calendly_event_type(case["event_type"])
    assert deliver(raw(envelope("invitee.created", invitee_payload(case)))) == "processed"
    return builder


def canceled_by_host(n: int) -> MessageCase:
    case = ids(n)
    contents = envelope(
        "invitee.canceled",
        invitee_payload(
            case,
            status="canceled",
            new_invitee=None,
            cancellation={
                "canceled_by": match.str("Ada Host"),
                "reason": match.str("Host unavailable"),
                "canceler_type": "host",
                "created_at": time("2030-01-01T10:00:00.000000Z"),
            },
        ),
    )

    def consume(body, metadata) -> None:
        builder = _with_booking(case)
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert (booking["status"], booking["canceled_by"]) == ("canceled", "Ada Host")

    return MessageCase(
        CALENDLY_WEBHOOKS,
        "invitee.canceled by the host",
        contents,
        consume,
        states=(State("an invitee canceled by the host", {"reason": "Host unavailable"}),),
    )


def rescheduled_cancel(n: int) -> MessageCase:
    case = ids(n)
    contents = envelope(
        "invitee.canceled",
        invitee_payload(
            case,
            status="canceled",
            rescheduled=True,
            new_invitee=match.regex(case["moved_invitee"], regex=INVITEE_URI),
            cancellation={"canceled_by": match.str("Grace Hopper"), "canceler_type": "invitee"},
        ),
    )

    def consume(body, metadata) -> None:
        builder = _with_booking(case)
        assert deliver(body) == "ignored"  # not a cancellation: the new half moves the booking
        assert only_booking(builder)["status"] == "confirmed"

    return MessageCase(
        CALENDLY_WEBHOOKS,
        "invitee.canceled, first half of a reschedule",
        contents,
        consume,
        states=(State("an invitee rescheduled to a later time"),),
    )


def rescheduled_create(n: int) -> MessageCase:
    case = ids(n)
    contents = envelope(
        "invitee.created",
        invitee_payload(case, moved=True, old_invitee=match.regex(case["invitee"], regex=INVITEE_URI)),
    )

    def consume(body, metadata) -> None:
        builder = _with_booking(case)
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert booking["status"] == "confirmed" and booking["start_at"] == "2030-01-03T10:00:00Z"
        assert booking["calendly_invitee_uri"] == case["moved_invitee"]

    return MessageCase(
        CALENDLY_WEBHOOKS,
        "invitee.created, second half of a reschedule",
        contents,
        consume,
        states=(State("an invitee rescheduled to a later time"),),
    )


def no_show_created(n: int) -> MessageCase:
    case = ids(n)
    contents = envelope(
        "invitee_no_show.created",
        invitee_payload(
            case,
            no_show={
                "uri": match.regex(case["no_show"], regex=rf"^https://api\.calendly\.com/invitee_no_shows/{UUID}$"),
                "created_at": time("2030-01-02T10:00:00.000000Z"),
            },
        ),
    )

    def consume(body, metadata) -> None:
        builder = _with_booking(case)
        assert deliver(body) == "processed"
        assert only_booking(builder)["no_show"] is True

    return MessageCase(
        CALENDLY_WEBHOOKS,
        "invitee_no_show.created",
        contents,
        consume,
        states=(State("an invitee marked as a no-show"),),
    )


def no_show_deleted(n: int) -> MessageCase:
    case = ids(n)
    contents = envelope("invitee_no_show.deleted", invitee_payload(case, no_show=None))

    def consume(body, metadata) -> None:
        builder = _with_booking(case)
        assert deliver(body) == "processed"
        assert only_booking(builder)["no_show"] is False

    return MessageCase(
        CALENDLY_WEBHOOKS,
        "invitee_no_show.deleted",
        contents,
        consume,
        states=(State("an invitee's no-show mark taken back"),),
    )


def routing_form(n: int, *, booked: bool) -> MessageCase:
    case = ids(n)
    submission = f"https://api.calendly.com/routing_form_submissions/{n:08x}-0007-4000-8000-{n:012x}"
    payload = {
        "uri": uri_matching("routing_form_submissions", submission),
        "routing_form": uri_matching(
            "routing_forms", f"https://api.calendly.com/routing_forms/{n:08x}-0008-4000-8000-{n:012x}"
        ),
        "questions_and_answers": match.each_like(
            {"question_uuid": match.str("q1"), "question": match.str("Goal"), "answer": match.str("Pathway")}
        ),
        "submitter": match.regex(case["invitee"], regex=INVITEE_URI) if booked else None,
        "submitter_type": "Invitee" if booked else None,
        "result": {"type": "event_type", "value": uri_matching("event_types", case["event_type"])},
    }
    contents = envelope("routing_form_submission.created", payload)

    def consume(body, metadata) -> None:
        assert deliver(body) == "processed"
        assert consumer_app.post_calendly(body)["status"] == "duplicate"  # a second copy is not applied again

    variant = "after booking" if booked else "without booking"
    state = State("a routing form submitted", {"booked": booked})
    # after booking, Calendly names the invitee who booked as the submitter; without one both are null
    return MessageCase(
        CALENDLY_WEBHOOKS, f"routing_form_submission.created, {variant}", contents, consume, states=(state,)
    )


CASES = [
    booked_on_calendly(101, single_name=False),
    booked_on_calendly(102, single_name=True),
    canceled_by_host(103),
    rescheduled_cancel(104),
    rescheduled_create(105),
    no_show_created(106),
    no_show_deleted(107),
    routing_form(108, booked=True),
    routing_form(109, booked=False),
]
