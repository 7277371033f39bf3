"""Calendly's hosted pages: pick a time, book, cancel, reschedule.

A client of the app under test follows ``scheduling_url`` here, as on
calendly.com: times for the next 7 days in the visitor's zone, a name/email
form, then either the event type's redirect URL (with Calendly's query
parameters) or a confirmation page. ``utm_*`` parameters of the first URL travel
through the form into ``tracking``. ``cancel_url`` and ``reschedule_url`` of an
invitee land on the cancel and reschedule pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from simulators.calendly.account import CalendlyAccount
from simulators.calendly.actions import ActionError, Booker
from simulators.calendly.availability import available_slots
from simulators.calendly.resources import TRACKING_KEYS, empty_tracking
from simulators.calendly.state import CalendlyState, EventType, Invitee, User
from simulators.calendly.times import local_iso, parse, zone

WEEK = 7 * 24 * 3600
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


def _visitor_zone(fallback: str = "UTC") -> str:
    wanted = request.values.get("timezone")
    return wanted if wanted is not None and zone(wanted) is not None else fallback


def _carry() -> dict[str, str]:
    """Query parameters that travel from the first URL to the booking (tracking and prefill)."""
    keep = set(TRACKING_KEYS) | {"name", "email"} | {f"a{n}" for n in range(1, 11)}
    return {k: v for k, v in request.values.items() if k in keep and v}


def _days(
    state: CalendlyState, event_type: EventType, tz_name: str, link: Callable[[str], str]
) -> list[dict[str, Any]]:
    tz = zone(tz_name)
    now = state.now()
    days: dict[str, dict[str, Any]] = {}
    for slot in available_slots(state, event_type, now, now + WEEK):
        local = datetime.fromtimestamp(slot.start, tz)
        day = days.setdefault(local.date().isoformat(), {"label": local.strftime("%A %d %B %Y"), "times": []})
        stamp = datetime.fromtimestamp(slot.start, zone("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        day["times"].append(
            {"label": local.strftime("%H:%M"), "href": link(stamp), "iso": stamp, "remaining": slot.invitees_remaining}
        )
    return list(days.values())


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode(parse_qsl(parts.query) + list(params.items()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def pages_blueprint(account: CalendlyAccount) -> Blueprint:
    state, actions = account.state, account.actions
    bp = Blueprint("calendly_pages", __name__, template_folder="templates")

    def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
        return render_template(template, zones=COMMON_ZONES, **context), status

    def missing() -> tuple[str, int]:
        return page(
            "message.html",
            404,
            title="Page not found",
            message="This Calendly page does not exist or is no longer available.",
        )

    def find(user_slug: str, type_slug: str) -> tuple[User, EventType] | tuple[None, None]:
        user = state.user(user_slug)
        event_type = state.event_type_by_slug(user, type_slug) if user else None
        if user is None or event_type is None or not event_type.active:
            return None, None
        return user, event_type

    def redirect_params(event_type: EventType, invitee: Invitee, tz_name: str) -> dict[str, str]:
        event = state.events[invitee.event_uuid]
        tz = zone(tz_name)
        if tz is None:  # the booking form checked it
            raise ValueError(f"unknown time zone {tz_name!r}")
        params = {
            "assigned_to": state.users[event.user_uuid].name,
            "event_type_uuid": event_type.uuid,
            "event_type_name": event_type.name,
            "event_start_time": local_iso(event.start, tz),
            "event_end_time": local_iso(event.end, tz),
            "invitee_uuid": invitee.uuid,
            "invitee_full_name": invitee.name,
            "invitee_email": invitee.email,
        }
        if invitee.first_name:
            params["invitee_first_name"] = invitee.first_name
        if invitee.last_name:
            params["invitee_last_name"] = invitee.last_name
        params |= {f"answer_{n}": qa["answer"] for n, qa in enumerate(invitee.questions_and_answers, 1) if qa["answer"]}
        params |= {key: value for key, value in invitee.tracking.items() if value}
        return params

    @bp.get("/<user_slug>")
    def user_page(user_slug: str) -> ResponseReturnValue:
        user = state.user(user_slug)
        if user is None:
            return missing()
        types = [t for t in state.event_types.values() if t.user_uuid == user.uuid and t.active]
        return page("user.html", user=user, event_types=types, query=_carry())

    @bp.get("/<user_slug>/<type_slug>")
    def event_type_page(user_slug: str, type_slug: str) -> ResponseReturnValue:
        user, event_type = find(user_slug, type_slug)
        if user is None or event_type is None:
            return missing()
        tz_name = _visitor_zone()
        # Any: url_for's own keywords (_external, _anchor...) are typed, and mypy cannot tell these are not them.
        carry: dict[str, Any] = _carry() | {"timezone": tz_name}

        def link(stamp: str) -> str:
            return url_for(".book", user_slug=user.slug, type_slug=event_type.slug, stamp=stamp, **carry)

        return page(
            "times.html",
            heading=event_type.name,
            host=user,
            event_type=event_type,
            timezone=tz_name,
            days=_days(state, event_type, tz_name, link),
            carry=_carry(),
            explicit_zone=request.args.get("timezone") is not None,
        )

    @bp.route("/<user_slug>/<type_slug>/<stamp>", methods=["GET", "POST"])
    def book(user_slug: str, type_slug: str, stamp: str) -> ResponseReturnValue:
        user, event_type = find(user_slug, type_slug)
        start = parse(stamp)
        if user is None or event_type is None or start is None:
            return missing()
        tz_name = _visitor_zone()
        form = dict(_carry()) | request.form.to_dict()
        context: dict[str, Any] = {
            "host": user,
            "event_type": event_type,
            "timezone": tz_name,
            "form": form,
            "carry": _carry(),
            "when": datetime.fromtimestamp(start, zone(tz_name)).strftime("%A %d %B %Y, %H:%M"),
        }
        if request.method == "GET":
            return page("book.html", **context)
        name, email = form.get("name", "").strip(), form.get("email", "").strip()
        if not name or "@" not in email:
            return page("book.html", 400, error="Enter your name and a valid email address.", **context)
        tracking = empty_tracking() | {k: form[k] for k in TRACKING_KEYS if form.get(k)}
        answers = [
            {"question": q["name"], "answer": form.get(f"a{n}", ""), "position": n - 1}
            for n, q in enumerate(event_type.custom_questions, 1)
        ]
        try:
            invitee = actions.book(
                event_type,
                start,
                Booker(email=email, name=name, timezone=tz_name, tracking=tracking, questions_and_answers=answers),
            )
        except ActionError:
            return page(
                "book.html", 409, error="Sorry, that time is no longer available. Please pick another.", **context
            )
        if event_type.redirect_url:
            return redirect(_with_query(event_type.redirect_url, redirect_params(event_type, invitee, tz_name)), 303)
        return redirect(
            url_for(".confirmed", user_slug=user.slug, type_slug=event_type.slug, invitee_uuid=invitee.uuid), 303
        )

    @bp.get("/<user_slug>/<type_slug>/invitees/<invitee_uuid>")
    def confirmed(user_slug: str, type_slug: str, invitee_uuid: str) -> ResponseReturnValue:
        invitee = state.invitees.get(invitee_uuid)
        if invitee is None:
            return missing()
        return page("confirmed.html", **_invitee_context(invitee))

    def _invitee_context(invitee: Invitee) -> dict[str, Any]:
        event = state.events[invitee.event_uuid]
        tz_name = invitee.timezone if zone(invitee.timezone) else "UTC"
        when = datetime.fromtimestamp(event.start, zone(tz_name)).strftime("%A %d %B %Y, %H:%M")
        return {
            "invitee": invitee,
            "event": event,
            "host": state.users[event.user_uuid],
            "when": when,
            "timezone": tz_name,
            "event_type": state.event_types[event.event_type_uuid],
        }

    @bp.route("/cancellations/<invitee_uuid>", methods=["GET", "POST"])
    def cancel(invitee_uuid: str) -> ResponseReturnValue:
        invitee = state.invitees.get(invitee_uuid)
        if invitee is None:
            return missing()
        context = _invitee_context(invitee)
        if request.method == "GET" or invitee.status != "active":
            return page("cancel.html", **context)
        try:
            actions.cancel_invitee(invitee, "invitee", request.form.get("reason", "").strip() or None)
        except ActionError as exc:
            return page("cancel.html", 403, error=exc.message, **context)
        return page(
            "message.html",
            title="Cancellation confirmed",
            message=f"Your {context['event_type'].name} with {context['host'].name} is canceled.",
        )

    @bp.get("/reschedulings/<invitee_uuid>")
    def reschedule(invitee_uuid: str) -> ResponseReturnValue:
        invitee = state.invitees.get(invitee_uuid)
        if invitee is None or invitee.status != "active":
            return missing()
        context = _invitee_context(invitee)
        tz_name = _visitor_zone(context["timezone"])

        def link(stamp: str) -> str:
            return url_for(".reschedule_to", invitee_uuid=invitee.uuid, stamp=stamp, timezone=tz_name)

        return page(
            "times.html",
            heading=f"Reschedule: {context['event_type'].name}",
            host=context["host"],
            event_type=context["event_type"],
            timezone=tz_name,
            carry={},
            explicit_zone=True,
            days=_days(state, context["event_type"], tz_name, link),
            current=context["when"],
        )

    @bp.route("/reschedulings/<invitee_uuid>/<stamp>", methods=["GET", "POST"])
    def reschedule_to(invitee_uuid: str, stamp: str) -> ResponseReturnValue:
        invitee = state.invitees.get(invitee_uuid)
        start = parse(stamp)
        if invitee is None or start is None:
            return missing()
        context = _invitee_context(invitee)
        tz_name = _visitor_zone(context["timezone"])
        new_when = datetime.fromtimestamp(start, zone(tz_name)).strftime("%A %d %B %Y, %H:%M")
        if request.method == "GET":
            return page("reschedule.html", new_when=new_when, **context)
        try:
            new = actions.reschedule(invitee, start, reason=request.form.get("reason", "").strip() or None)
        except ActionError as exc:
            return page("reschedule.html", 409, new_when=new_when, error=exc.message, **context)
        event_type = context["event_type"]
        return redirect(
            url_for(".confirmed", user_slug=context["host"].slug, type_slug=event_type.slug, invitee_uuid=new.uuid), 303
        )

    return bp
