"""JSON shapes of Calendly's REST resources, built from the simulator's state.

The API routes and the webhook payloads (``events.py``) both render through
these functions, so an invitee received by webhook and the same invitee read
back with GET can only differ where Calendly's own shapes differ (the webhook
embeds ``scheduled_event``). ``cancellation`` appears only once something was
canceled, as on the real API.
"""

from __future__ import annotations

from typing import Any

from simulators.calendly.state import (
    CalendlyState,
    Cancellation,
    EventType,
    Invitee,
    NoShow,
    RoutingForm,
    RoutingFormSubmission,
    ScheduledEvent,
    Subscription,
    User,
)
from simulators.calendly.times import iso

TRACKING_KEYS = ("utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term", "salesforce_uuid")


def empty_tracking() -> dict[str, str | None]:
    return dict.fromkeys(TRACKING_KEYS)


def cancellation(value: Cancellation) -> dict[str, Any]:
    return {
        "canceled_by": value.canceled_by,
        "reason": value.reason,
        "canceler_type": value.canceler_type,
        "created_at": iso(value.created_at),
    }


def user(state: CalendlyState, value: User) -> dict[str, Any]:
    return {
        "uri": value.uri,
        "name": value.name,
        "slug": value.slug,
        "email": value.email,
        "scheduling_url": f"{state.pages_root}/{value.slug}",
        "timezone": value.timezone,
        "time_notation": "24h",
        "avatar_url": None,
        "locale": "en",
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
        "current_organization": state.ensure_organization().uri,
        "resource_type": "User",
    }


def event_type(state: CalendlyState, value: EventType) -> dict[str, Any]:
    host = state.users[value.user_uuid]
    return {
        "uri": value.uri,
        "name": value.name,
        "active": value.active,
        "booking_method": "instant",
        "slug": value.slug,
        "scheduling_url": f"{state.pages_root}/{host.slug}/{value.slug}",
        "duration": value.duration,
        "duration_options": None,
        "kind": value.kind,
        "kind_description": "One-on-One" if value.kind == "solo" else "Group",
        "pooling_type": None,
        "type": "StandardEventType",
        "color": value.color,
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
        "internal_note": None,
        "description_plain": value.description,
        "description_html": f"<p>{value.description}</p>" if value.description else None,
        "profile": {"type": "User", "name": host.name, "owner": host.uri},
        "secret": False,
        "deleted_at": None,
        "admin_managed": False,
        "locations": [dict(value.location)],
        "custom_questions": [dict(q) for q in value.custom_questions],
    }


def scheduled_event(state: CalendlyState, value: ScheduledEvent) -> dict[str, Any]:
    host = state.host_of(value)
    invitees = state.invitees_of(value)
    limit = state.event_types[value.event_type_uuid].invitees_limit
    body: dict[str, Any] = {
        "uri": value.uri,
        "name": value.name,
        "meeting_notes_plain": None,
        "meeting_notes_html": None,
        "status": value.status,
        "start_time": iso(value.start),
        "end_time": iso(value.end),
        "event_type": state.event_types[value.event_type_uuid].uri,
        "location": dict(value.location),
        "invitees_counter": {
            "total": len(invitees),
            "active": sum(1 for i in invitees if i.status == "active"),
            "limit": limit,
        },
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
        "event_memberships": [{"user": host.uri, "user_email": host.email, "user_name": host.name}],
        "event_guests": [dict(g) for g in value.event_guests],
        "calendar_event": None,  # the hosts have no connected calendar
    }
    if value.cancellation is not None:
        body["cancellation"] = cancellation(value.cancellation)
    return body


def invitee(state: CalendlyState, value: Invitee) -> dict[str, Any]:
    """The invitee as ``GET /scheduled_events/{uuid}/invitees/{uuid}`` returns it."""
    no_show = state.no_shows.get(value.no_show_uuid or "")
    submission = state.submissions.get(value.routing_form_submission_uuid or "")
    body: dict[str, Any] = {
        "uri": value.uri,
        "email": value.email,
        "name": value.name,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "status": value.status,
        "timezone": value.timezone,
        "event": state.events[value.event_uuid].uri,
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
        "tracking": dict(value.tracking),
        "text_reminder_number": value.text_reminder_number,
        "rescheduled": value.rescheduled,
        "old_invitee": value.old_invitee,
        "new_invitee": value.new_invitee,
        "cancel_url": f"{state.pages_root}/cancellations/{value.uuid}",
        "reschedule_url": f"{state.pages_root}/reschedulings/{value.uuid}",
        "questions_and_answers": [dict(qa) for qa in value.questions_and_answers],
        "routing_form_submission": submission.uri if submission else None,
        "payment": None,
        "no_show": {"uri": no_show.uri, "created_at": iso(no_show.created_at)} if no_show else None,
        "reconfirmation": None,
        "scheduling_method": None,
        "invitee_scheduled_by": None,
    }
    if value.cancellation is not None:
        body["cancellation"] = cancellation(value.cancellation)
    return body


def no_show(state: CalendlyState, value: NoShow) -> dict[str, Any]:
    return {"uri": value.uri, "invitee": state.invitees[value.invitee_uuid].uri, "created_at": iso(value.created_at)}


def subscription(value: Subscription) -> dict[str, Any]:
    return {
        "uri": value.uri,
        "callback_url": value.callback_url,
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
        "retry_started_at": iso(value.retry_started_at) if value.retry_started_at is not None else None,
        "state": value.state,
        "events": list(value.events),
        "scope": value.scope,
        "organization": value.organization,
        "user": value.user,
        "group": None,
        "creator": value.creator,
    }


def routing_form(state: CalendlyState, value: RoutingForm) -> dict[str, Any]:
    return {
        "uri": value.uri,
        "organization": state.ensure_organization().uri,
        "name": value.name,
        "status": "published",
        "questions": [dict(q) for q in value.questions],
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
    }


def routing_form_submission(state: CalendlyState, value: RoutingFormSubmission) -> dict[str, Any]:
    submitter = state.invitees.get(value.submitter_invitee_uuid or "")
    return {
        "uri": value.uri,
        "routing_form": state.routing_forms[value.form_uuid].uri,
        "questions_and_answers": [dict(qa) for qa in value.questions_and_answers],
        "tracking": dict(value.tracking),
        "result": dict(value.result),
        "submitter": submitter.uri if submitter else None,
        "submitter_type": "Invitee" if submitter else None,
        "created_at": iso(value.created_at),
        "updated_at": iso(value.updated_at),
    }
