"""Calendly API v2 routes for what has been booked: scheduled events, invitees, no-shows.

Reads are filtered and paginated as Calendly does; host cancellation and
no-show changes go through ``Actions`` so they fire the same webhooks the real
account would.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from simulators.calendly import resources
from simulators.calendly.account import CalendlyAccount
from simulators.calendly.actions import invalid
from simulators.calendly.api_support import filter_items, json_body, not_found, paginate
from simulators.calendly.times import parse


def events_blueprint(account: CalendlyAccount) -> Blueprint:
    state, actions = account.state, account.actions
    bp = Blueprint("calendly_events", __name__)

    def time_arg(name: str) -> float | None:
        raw = request.args.get(name)
        if raw is None:
            return None
        value = parse(raw)
        if value is None:
            raise invalid(name, "must be an ISO-8601 time with a zone")
        return value

    @bp.get("/scheduled_events")
    def list_events() -> ResponseReturnValue:
        user_ref, org_ref = request.args.get("user"), request.args.get("organization")
        if not user_ref and not org_ref:
            raise invalid("organization", "user or organization is required")
        checks = []
        if user_ref:
            user = state.user(user_ref)
            if user is None:
                raise invalid("user", "is invalid")
            checks.append(lambda e: e.user_uuid == user.uuid)
        if org_ref and org_ref != state.ensure_organization().uri:
            raise invalid("organization", "is invalid")
        status = request.args.get("status")
        if status is not None:
            if status not in ("active", "canceled"):
                raise invalid("status", "must be active or canceled")
            checks.append(lambda e: e.status == status)
        email = request.args.get("invitee_email")
        if email:
            checks.append(lambda e: any(i.email.lower() == email.lower() for i in state.invitees_of(e)))
        low, high = time_arg("min_start_time"), time_arg("max_start_time")
        if low is not None:
            checks.append(lambda e: e.start >= low)
        if high is not None:
            checks.append(lambda e: e.start <= high)
        sort = request.args.get("sort", "start_time:asc")
        if sort not in ("start_time:asc", "start_time:desc"):
            raise invalid("sort", "must be start_time:asc or start_time:desc")
        with state.lock:
            items = sorted(
                filter_items(state.events.values(), *checks),
                key=lambda e: (e.start, e.created_at),
                reverse=sort.endswith("desc"),
            )
            return paginate(items, lambda e: resources.scheduled_event(state, e))

    @bp.get("/scheduled_events/<uuid>")
    def get_event(uuid: str) -> ResponseReturnValue:
        event = state.events.get(uuid)
        if event is None:
            raise not_found()
        with state.lock:
            return {"resource": resources.scheduled_event(state, event)}

    @bp.get("/scheduled_events/<uuid>/invitees")
    def list_invitees(uuid: str) -> ResponseReturnValue:
        event = state.events.get(uuid)
        if event is None:
            raise not_found()
        checks = []
        status = request.args.get("status")
        if status is not None:
            if status not in ("active", "canceled"):
                raise invalid("status", "must be active or canceled")
            checks.append(lambda i: i.status == status)
        email = request.args.get("email")
        if email:
            checks.append(lambda i: i.email.lower() == email.lower())
        with state.lock:
            items = filter_items(state.invitees_of(event), *checks)
            if request.args.get("sort") == "created_at:desc":
                items.reverse()
            return paginate(items, lambda i: resources.invitee(state, i))

    @bp.get("/scheduled_events/<event_uuid>/invitees/<uuid>")
    def get_invitee(event_uuid: str, uuid: str) -> ResponseReturnValue:
        invitee = state.invitees.get(uuid)
        if invitee is None or invitee.event_uuid != event_uuid:
            raise not_found()
        with state.lock:
            return {"resource": resources.invitee(state, invitee)}

    @bp.post("/scheduled_events/<uuid>/cancellation")
    def cancel_event(uuid: str) -> ResponseReturnValue:
        event = state.events.get(uuid)
        if event is None:
            raise not_found()
        body = request.get_json(silent=True) if request.content_length else {}
        if not isinstance(body, dict):
            raise invalid("reason", "the body must be a JSON object")
        reason = body.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 10000):
            raise invalid("reason", "must be a string of at most 10000 characters")
        cancellation = actions.cancel_event(event, reason)
        return {"resource": resources.cancellation(cancellation)}, 201

    @bp.post("/invitee_no_shows")
    def create_no_show() -> ResponseReturnValue:
        body = json_body()
        if not body.get("invitee"):
            raise invalid("invitee", "is required")
        invitee = state.invitee(body["invitee"])
        if invitee is None:
            raise not_found()
        no_show = actions.mark_no_show(invitee)
        with state.lock:
            return {"resource": resources.no_show(state, no_show)}, 201

    @bp.get("/invitee_no_shows/<uuid>")
    def get_no_show(uuid: str) -> ResponseReturnValue:
        no_show = state.no_shows.get(uuid)
        if no_show is None:
            raise not_found()
        return {"resource": resources.no_show(state, no_show)}

    @bp.delete("/invitee_no_shows/<uuid>")
    def delete_no_show(uuid: str) -> ResponseReturnValue:
        no_show = state.no_shows.get(uuid)
        if no_show is None:
            raise not_found()
        actions.unmark_no_show(no_show)
        return "", 204

    return bp
