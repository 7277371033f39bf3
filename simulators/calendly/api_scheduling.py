"""Calendly API v2 routes a booking app calls before anything is booked, and the booking itself.

Users, event types, available times (at most 7 days ahead, starting in the
future) and ``POST /invitees`` (Calendly's scheduling API, which books a slot
and fires ``invitee.created`` like a booking on the hosted page does).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from simulators.calendly import resources
from simulators.calendly.account import CalendlyAccount
from simulators.calendly.actions import Booker, invalid
from simulators.calendly.api_support import filter_items, json_body, not_found, paginate
from simulators.calendly.availability import available_slots
from simulators.calendly.state import CalendlyState, EventType
from simulators.calendly.times import iso, parse, zone

WEEK = 7 * 24 * 3600


def booker_from_json(body: dict[str, Any]) -> Booker:
    """The invitee part of a booking request (``POST /invitees`` shape), validated."""
    person = body.get("invitee")
    if not isinstance(person, dict):
        raise invalid("invitee", "is required")
    email = person.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise invalid("invitee.email", "is invalid")
    first, last = person.get("first_name"), person.get("last_name")
    name = person.get("name") or " ".join(p for p in (first, last) if isinstance(p, str) and p)
    if not isinstance(name, str) or not name.strip():
        raise invalid("invitee.name", "is required")
    timezone = person.get("timezone")
    if timezone is not None and zone(timezone) is None:
        raise invalid("invitee.timezone", "is not a valid IANA time zone")
    tracking = resources.empty_tracking()
    supplied = body.get("tracking") or {}
    if not isinstance(supplied, dict):
        raise invalid("tracking", "must be an object")
    tracking.update({k: str(v) for k, v in supplied.items() if k in tracking and v is not None})
    answers = body.get("questions_and_answers") or []
    if not isinstance(answers, list) or not all(isinstance(a, dict) and "question" in a for a in answers):
        raise invalid("questions_and_answers", "must be a list of {question, answer}")
    guests = body.get("event_guests") or []
    if not isinstance(guests, list) or not all(isinstance(e, str) and "@" in e for e in guests):
        raise invalid("event_guests", "must be a list of email addresses")
    location = body.get("location")
    if location is not None and not isinstance(location, dict):
        raise invalid("location", "must be an object")
    return Booker(
        email=email,
        name=name.strip(),
        first_name=first or None,
        last_name=last or None,
        timezone=timezone,
        text_reminder_number=person.get("text_reminder_number"),
        tracking=tracking,
        questions_and_answers=[
            {"question": a["question"], "answer": a.get("answer"), "position": a.get("position", n)}
            for n, a in enumerate(answers)
        ],
        guests=guests,
        location=location,
    )


def slot_url(state: CalendlyState, event_type: EventType, start: float) -> str:
    """Calendly's per-slot link: ``<scheduling_url>/<UTC start>?month=...&date=...``."""
    stamp = iso(start)
    host = state.users[event_type.user_uuid]
    return f"{state.pages_root}/{host.slug}/{event_type.slug}/{stamp[:19]}Z?month={stamp[:7]}&date={stamp[:10]}"


def scheduling_blueprint(account: CalendlyAccount) -> Blueprint:
    state, actions = account.state, account.actions
    bp = Blueprint("calendly_scheduling", __name__)

    @bp.get("/users/me")
    def me() -> ResponseReturnValue:
        return {"resource": resources.user(state, g.user)}

    @bp.get("/users/<uuid>")
    def get_user(uuid: str) -> ResponseReturnValue:
        user = state.users.get(uuid)
        if user is None:
            raise not_found()
        return {"resource": resources.user(state, user)}

    @bp.get("/event_types")
    def list_event_types() -> ResponseReturnValue:
        user_ref, org_ref = request.args.get("user"), request.args.get("organization")
        if not user_ref and not org_ref:
            raise invalid("organization", "user or organization is required")
        checks = []
        if user_ref:
            user = state.user(user_ref)
            if user is None:
                raise invalid("user", "is invalid")
            checks.append(lambda t: t.user_uuid == user.uuid)
        if org_ref and org_ref != state.ensure_organization().uri:
            raise invalid("organization", "is invalid")
        active = request.args.get("active")
        if active in ("true", "false"):
            checks.append(lambda t: t.active == (active == "true"))
        with state.lock:
            items = filter_items(state.event_types.values(), *checks)
            return paginate(items, lambda t: resources.event_type(state, t))

    @bp.get("/event_types/<uuid>")
    def get_event_type(uuid: str) -> ResponseReturnValue:
        event_type = state.event_types.get(uuid)
        if event_type is None:
            raise not_found()
        return {"resource": resources.event_type(state, event_type)}

    @bp.get("/event_type_available_times")
    def available_times() -> ResponseReturnValue:
        ref = request.args.get("event_type")
        if not ref:
            raise invalid("event_type", "is required")
        event_type = state.event_type(ref)
        if event_type is None:
            raise not_found()
        start, end = parse(request.args.get("start_time")), parse(request.args.get("end_time"))
        if start is None:
            raise invalid("start_time", "must be an ISO-8601 time with a zone")
        if end is None:
            raise invalid("end_time", "must be an ISO-8601 time with a zone")
        if start <= state.now():
            raise invalid("start_time", "must be in the future")
        if end <= start:
            raise invalid("end_time", "must be after start_time")
        if end - start > WEEK:
            raise invalid("end_time", "date range can be no greater than 1 week (7 days)")
        slots = available_slots(state, event_type, start, end)
        return {
            "collection": [
                {
                    "status": "available",
                    "invitees_remaining": slot.invitees_remaining,
                    "start_time": iso(slot.start),
                    "scheduling_url": slot_url(state, event_type, slot.start),
                }
                for slot in slots
            ]
        }

    @bp.post("/invitees")
    def create_invitee() -> ResponseReturnValue:
        body = json_body()
        if not body.get("event_type"):
            raise invalid("event_type", "is required")
        event_type = state.event_type(body["event_type"])
        if event_type is None:
            raise invalid("event_type", "is invalid")
        start = parse(body.get("start_time"))
        if start is None:
            raise invalid("start_time", "must be an ISO-8601 time with a zone")
        invitee = actions.book(event_type, start, booker_from_json(body))
        return {"resource": resources.invitee(state, invitee)}, 201

    return bp
