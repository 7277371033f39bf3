"""Validation and construction behind the set-up control routes (users, event types, availability, forms).

Kept apart from ``control.py`` so the routes read as a list of what can be
done, and the fiddly input checks (slugs, weekly hours, questions) live in one
place with their reasons.
"""

from __future__ import annotations

import re
from typing import Any

from simulators.calendly.actions import invalid
from simulators.calendly.state import WEEKDAYS, CalendlyState, EventType, RoutingForm, User
from simulators.calendly.times import iso, parse, zone

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
# First path segments the API and pages use: a user slug equal to one would hide its page.
RESERVED_SLUGS = {
    "users",
    "organizations",
    "event_types",
    "event_type_available_times",
    "scheduled_events",
    "invitees",
    "invitee_no_shows",
    "webhook_subscriptions",
    "routing_forms",
    "routing_form_submissions",
    "cancellations",
    "reschedulings",
}
LOCATION_KINDS = {
    "google_conference",
    "zoom_conference",
    "physical",
    "outbound_call",
    "inbound_call",
    "custom",
    "ask_invitee",
    "microsoft_teams_conference",
}


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "user"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken or candidate in RESERVED_SLUGS:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def create_user(state: CalendlyState, data: dict[str, Any]) -> tuple[User, str]:
    fake = state.hub.faker("calendly:users")
    name = data.get("name") or fake.name()
    email = data.get("email") or f"{_slugify(name).replace('-', '.')}@example.com"
    timezone = data.get("timezone", "UTC")
    if zone(timezone) is None:
        raise invalid("timezone", "is not a valid IANA time zone")
    if not isinstance(email, str) or "@" not in email:
        raise invalid("email", "is invalid")
    token = data.get("token")
    if token is not None and (not isinstance(token, str) or not token.strip() or " " in token):
        raise invalid("token", "must be a non-empty string without spaces")
    with state.lock:
        taken = {u.slug for u in state.users.values()}
        slug = data.get("slug")
        if slug is None:
            slug = _unique(_slugify(name), taken)
        elif not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_SLUGS or slug in taken:
            raise invalid("slug", "must be a free lower-case slug (letters, digits, dashes)")
        if token in state.tokens:
            raise invalid("token", "is already in use")
        state.ensure_organization()
        now = state.now()
        user = User(state.new_uuid("user"), name, slug, email, timezone, now, now)
        state.users[user.uuid] = user
        token = token or state.new_token(user.uuid)
        state.tokens[token] = user.uuid
        return user, token


def _questions(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise invalid("custom_questions", "must be a list")
    questions = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise invalid("custom_questions", "each question needs a name")
        choices = item.get("answer_choices") or []
        questions.append(
            {
                "name": item["name"],
                "type": "single_select" if choices else item.get("type", "text"),
                "position": position,
                "enabled": True,
                "required": bool(item.get("required", False)),
                "answer_choices": list(choices),
                "include_other": False,
            }
        )
    return questions


def create_event_type(state: CalendlyState, data: dict[str, Any]) -> EventType:
    user = state.user(data.get("user"))
    if user is None:
        raise invalid("user", "is required (URI, UUID or slug of a user)")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "is required")
    duration = data.get("duration", 30)
    if not isinstance(duration, int) or isinstance(duration, bool) or not 5 <= duration <= 720:
        raise invalid("duration", "must be minutes between 5 and 720")
    kind = data.get("kind", "solo")
    if kind not in ("solo", "group"):
        raise invalid("kind", "must be solo or group")
    limit = data.get("invitees_limit", 1 if kind == "solo" else 10)
    if not isinstance(limit, int) or limit < 1 or (kind == "solo" and limit != 1):
        raise invalid("invitees_limit", "must be 1 for solo and a positive integer for group")
    redirect_url = data.get("redirect_url")
    if redirect_url is not None and (
        not isinstance(redirect_url, str) or not redirect_url.startswith(("http://", "https://"))
    ):
        raise invalid("redirect_url", "must be an http(s) URL")
    location = data.get("location") or {"kind": "google_conference"}
    if not isinstance(location, dict) or location.get("kind") not in LOCATION_KINDS:
        raise invalid("location", f"kind must be one of {', '.join(sorted(LOCATION_KINDS))}")
    with state.lock:
        slug = data.get("slug") or _slugify(name)
        if not isinstance(slug, str) or not SLUG.match(slug) or state.event_type_by_slug(user, slug):
            raise invalid("slug", "must be a lower-case slug not yet used by this user")
        now = state.now()
        event_type = EventType(
            uuid=state.new_uuid("event_type"),
            user_uuid=user.uuid,
            name=name.strip(),
            slug=slug,
            duration=duration,
            kind=kind,
            invitees_limit=limit,
            active=bool(data.get("active", True)),
            redirect_url=redirect_url,
            description=data.get("description"),
            color=data.get("color", "#0069ff"),
            location=dict(location),
            custom_questions=_questions(data.get("custom_questions", [])),
            created_at=now,
            updated_at=now,
        )
        state.event_types[event_type.uuid] = event_type
        return event_type


def _weekly_hours(raw: Any) -> dict[str, list[tuple[str, str]]]:
    if not isinstance(raw, dict) or not set(raw) <= set(WEEKDAYS):
        raise invalid("weekly_hours", f"keys must be weekdays: {', '.join(WEEKDAYS)}")
    hours: dict[str, list[tuple[str, str]]] = {day: [] for day in WEEKDAYS}
    for day, intervals in raw.items():
        if not isinstance(intervals, list):
            raise invalid("weekly_hours", f"{day} must be a list of [start, end] pairs")
        for interval in intervals:
            if (
                not isinstance(interval, (list, tuple))
                or len(interval) != 2
                or not all(isinstance(t, str) and CLOCK.match(t) for t in interval)
                or interval[0] >= interval[1]
            ):
                raise invalid("weekly_hours", f'{day}: each interval is ["HH:MM", "HH:MM"] with start < end')
            hours[day].append((interval[0], interval[1]))
    return hours


def _instants(raw: Any, name: str) -> set[float]:
    instants = [parse(v) for v in raw] if isinstance(raw, list) else [None]
    if any(instant is None for instant in instants):
        raise invalid(name, "must be a list of ISO-8601 times with a zone")
    return {instant for instant in instants if instant is not None}


def availability_body(state: CalendlyState, data: dict[str, Any], *, read_only: bool = False) -> dict[str, Any]:
    """Apply (unless ``read_only``) and describe a host's availability."""
    user = state.user(data.get("user"))
    if user is None:
        raise invalid("user", "is required (URI, UUID or slug of a user)")
    if not read_only:
        timezone = data.get("timezone", user.timezone)
        if zone(timezone) is None:
            raise invalid("timezone", "is not a valid IANA time zone")
        hours = _weekly_hours(data["weekly_hours"]) if "weekly_hours" in data else user.weekly_hours
        extra = _instants(data["extra_slots"], "extra_slots") if "extra_slots" in data else user.extra_slots
        blocked = _instants(data["blocked_slots"], "blocked_slots") if "blocked_slots" in data else user.blocked_slots
        with state.lock:
            user.timezone, user.weekly_hours, user.extra_slots, user.blocked_slots = timezone, hours, extra, blocked
            user.updated_at = state.now()
    return {
        "user": user.uri,
        "timezone": user.timezone,
        "weekly_hours": {day: [list(i) for i in user.weekly_hours.get(day, [])] for day in WEEKDAYS},
        "extra_slots": [iso(t) for t in sorted(user.extra_slots)],
        "blocked_slots": [iso(t) for t in sorted(user.blocked_slots)],
    }


def create_routing_form(state: CalendlyState, data: dict[str, Any]) -> RoutingForm:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "is required")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise invalid("questions", "must be a non-empty list")
    with state.lock:
        questions = []
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
                raise invalid("questions", "each question needs a name")
            choices = item.get("answer_choices") or []
            questions.append(
                {
                    "uuid": state.new_uuid("routing_form_question"),
                    "name": item["name"],
                    "type": "select" if choices else item.get("type", "text"),
                    "required": bool(item.get("required", False)),
                    "answer_choices": list(choices),
                }
            )
        now = state.now()
        form = RoutingForm(state.new_uuid("routing_form"), name.strip(), questions, now, now)
        state.routing_forms[form.uuid] = form
        return form
