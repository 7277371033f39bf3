"""Control routes under ``/_sim/calendly``: set the account up and act as its people.

Tests, steps and the ``simulate calendly`` CLI create hosts (with their API
tokens), event types and availability here, and play the parts that happen
outside the app: an invitee canceling or rescheduling, a routing form being
filled in, Calendly rate limiting or failing. Errors are ``{"error", "details"?}``
like the global control API.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from simulators.calendly import resources
from simulators.calendly.account import account_for
from simulators.calendly.actions import ActionError, Booker, invalid
from simulators.calendly.api_scheduling import booker_from_json
from simulators.calendly.control_setup import availability_body, create_event_type, create_routing_form, create_user
from simulators.calendly.state import EventType
from simulators.calendly.times import iso, parse
from simulators.delivery import PlanError
from simulators.hub import SimHub

FoundT = TypeVar("FoundT")


def control_blueprint(hub: SimHub) -> Blueprint:
    account = account_for(hub)
    state, actions = account.state, account.actions
    bp = Blueprint("calendly_control", __name__)

    @bp.before_request
    def remember_host() -> None:
        state.site_root = request.host_url.rstrip("/")

    @bp.errorhandler(ActionError)
    def refused(exc: ActionError) -> ResponseReturnValue:
        body: dict[str, Any] = {
            "error": exc.message if not exc.details else f"{exc.details[0]['parameter']}: {exc.details[0]['message']}"
        }
        if exc.details:
            body["details"] = exc.details
        response = jsonify(body)
        response.status_code = exc.status
        return response

    @bp.errorhandler(PlanError)
    def plan_refused(exc: PlanError) -> ResponseReturnValue:
        response = jsonify({"error": f"the action happened, but its webhook plan could not be applied: {exc}"})
        response.status_code = 500
        return response

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if data is None and not request.content_length:
            return {}
        if not isinstance(data, dict):
            raise ActionError(400, "Invalid Argument", "expected a JSON object")
        return data

    def found(value: FoundT | None, what: str) -> FoundT:
        if value is None:
            raise ActionError(404, "Resource Not Found", f"no such {what}")
        return value

    @bp.post("/users")
    def users() -> ResponseReturnValue:
        user, token = create_user(state, body())
        return {
            "resource": resources.user(state, user),
            "token": token,
            "organization": state.ensure_organization().uri,
        }, 201

    @bp.post("/event_types")
    def event_types() -> ResponseReturnValue:
        return {"resource": resources.event_type(state, create_event_type(state, body()))}, 201

    @bp.put("/availability")
    def availability() -> ResponseReturnValue:
        return availability_body(state, body())

    @bp.post("/bookings")
    def bookings() -> ResponseReturnValue:
        data = body()
        event_type = found(state.event_type(data.get("event_type")), "event type")
        start = parse(data.get("start_time"))
        if start is None:
            raise invalid("start_time", "must be an ISO-8601 time with a zone")
        invitee = actions.book(event_type, start, booker_from_json(data))
        return {"resource": resources.invitee(state, invitee)}, 201

    @bp.post("/invitees/<uuid>/cancel")
    def cancel(uuid: str) -> ResponseReturnValue:
        data = body()
        invitee = found(state.invitees.get(uuid), "invitee")
        by = data.get("by", "invitee")
        if by not in ("invitee", "host"):
            raise invalid("by", "must be invitee or host")
        actions.cancel_invitee(invitee, by, data.get("reason"))
        return {"resource": resources.invitee(state, invitee)}

    @bp.post("/invitees/<uuid>/reschedule")
    def reschedule(uuid: str) -> ResponseReturnValue:
        data = body()
        invitee = found(state.invitees.get(uuid), "invitee")
        start = parse(data.get("start_time"))
        if start is None:
            raise invalid("start_time", "must be an ISO-8601 time with a zone")
        new = actions.reschedule(invitee, start, order=data.get("order"), reason=data.get("reason"))
        return {"resource": resources.invitee(state, new), "old_invitee": resources.invitee(state, invitee)}

    @bp.post("/routing_forms")
    def routing_forms() -> ResponseReturnValue:
        return {"resource": resources.routing_form(state, create_routing_form(state, body()))}, 201

    @bp.post("/routing_forms/<uuid>/submissions")
    def submissions(uuid: str) -> ResponseReturnValue:
        data = body()
        form = found(state.routing_forms.get(uuid), "routing form")
        answers = data.get("answers") or {}
        if not isinstance(answers, dict):
            raise invalid("answers", "must be an object of question name (or uuid) -> answer")
        by_key = {q["name"]: q for q in form.questions} | {q["uuid"]: q for q in form.questions}
        unknown = [k for k in answers if k not in by_key]
        if unknown:
            raise invalid("answers", f"unknown question(s): {', '.join(unknown)}")
        qa = [
            {"question_uuid": by_key[k]["uuid"], "question": by_key[k]["name"], "answer": v} for k, v in answers.items()
        ]
        supplied = data.get("tracking") or {}
        if not isinstance(supplied, dict):
            raise invalid("tracking", "must be an object")
        tracking = resources.empty_tracking() | {k: v for k, v in supplied.items() if k in resources.TRACKING_KEYS}
        booking = data.get("booking")
        booking_type = booking.get("event_type") if isinstance(booking, dict) else None
        target = state.event_type(data.get("event_type") or booking_type)
        result: dict[str, Any]
        if target is not None:
            result = {"type": "event_type", "value": target.uri}
        else:
            result = {"type": "custom_message", "value": {"headline": "Thank you", "body": ""}}
        booked: tuple[EventType, float, Booker] | None = None
        if booking is not None:
            if not isinstance(booking, dict) or target is None:
                raise invalid("booking.event_type", "is required to book after the form")
            start = parse(booking.get("start_time"))
            if start is None:
                raise invalid("booking.start_time", "must be an ISO-8601 time with a zone")
            booker = booker_from_json(booking)
            booker.tracking = dict(tracking)
            booked = (target, start, booker)
        submission, invitee = actions.submit_routing_form(form, qa, tracking, result, booking=booked)
        response = {"resource": resources.routing_form_submission(state, submission)}
        if invitee is not None:
            response["invitee"] = resources.invitee(state, invitee)
        return response, 201

    @bp.post("/config")
    def config() -> ResponseReturnValue:
        data = body()
        with state.lock:
            if "rate_limit" in data:
                limit = data["rate_limit"]
                if limit is not None and not (
                    isinstance(limit, dict)
                    and isinstance(limit.get("limit"), int)
                    and limit["limit"] >= 0
                    and isinstance(limit.get("window_seconds"), (int, float))
                    and limit["window_seconds"] > 0
                ):
                    raise invalid("rate_limit", "expected {limit: int >= 0, window_seconds: > 0} or null")
                state.config.rate_limit = limit
                state.rate_window.clear()
            if "fail_next" in data:
                outage = data["fail_next"]
                if outage is not None and not (
                    isinstance(outage, dict)
                    and isinstance(outage.get("status"), int)
                    and 400 <= outage["status"] <= 599
                    and isinstance(outage.get("times", 1), int)
                    and outage.get("times", 1) > 0
                ):
                    raise invalid("fail_next", "expected {status: 4xx/5xx, times: n} or null")
                state.config.fail_next = (
                    None if outage is None else {"status": outage["status"], "times": outage.get("times", 1)}
                )
            for key in ("public_url", "default_signing_key"):
                if key in data:
                    if data[key] is not None and not isinstance(data[key], str):
                        raise invalid(key, "must be a string or null")
                    setattr(state.config, key, data[key])
            return {"config": vars(state.config)}

    @bp.get("/state")
    def dump() -> ResponseReturnValue:
        with state.lock:
            for subscription in state.subscriptions.values():
                account.dispatcher.refresh(subscription)
            return {
                "organization": state.ensure_organization().uri,
                "users": [
                    resources.user(state, u) | {"tokens": [t for t, who in state.tokens.items() if who == u.uuid]}
                    for u in state.users.values()
                ],
                "availability": [
                    availability_body(state, {"user": u.uuid}, read_only=True) for u in state.users.values()
                ],
                "event_types": [resources.event_type(state, t) for t in state.event_types.values()],
                "scheduled_events": [resources.scheduled_event(state, e) for e in state.events.values()],
                "invitees": [resources.invitee(state, i) for i in state.invitees.values()],
                "invitee_no_shows": [resources.no_show(state, n) for n in state.no_shows.values()],
                "routing_forms": [resources.routing_form(state, f) for f in state.routing_forms.values()],
                "routing_form_submissions": [
                    resources.routing_form_submission(state, s) for s in state.submissions.values()
                ],
                "webhook_subscriptions": [
                    resources.subscription(s) | {"signing_key": s.signing_key} for s in state.subscriptions.values()
                ],
                "config": vars(state.config),
                "virtual_now": iso(state.now()),
            }

    return bp
