"""Reconciliation: make the local bookings agree with Calendly again after webhooks were lost.

Webhooks are the fast path; this is the safety net for a dropped event, a
disabled subscription or an outage longer than Calendly's 24 hours of retries.
It reads the organization's scheduled events in a window and each event's
invitees from the API, and applies what it finds through the same functions the
webhook handlers use (``calendly.sync``), one transaction per invitee:

- an active invitee nothing here knows about is booked (or linked, or moved: a reschedule);
- a canceled invitee (not a reschedule) whose booking is still active is canceled;
- the no-show flag follows Calendly's.

Every change is reported. Things it will not decide alone are reported as
problems: a Calendly booking that overlaps a local one, and an active local
booking linked to an invitee Calendly did not list. Running it again right
after changes nothing: it is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app_under_test.calendly import sync as calendly_sync
from app_under_test.calendly.client import CalendlyClient, iso, path_of
from app_under_test.calendly.lookup import booking_for_change, by_invitee
from app_under_test.calendly.payload import InviteeChange, read_invitee
from app_under_test.calendly.setup import organization
from app_under_test.db import Database
from app_under_test.event_outcomes import Ignore, Unprocessable
from app_under_test.models import ACTIVE_STATUSES, Booking
from app_under_test.timeutil import iso_z, parse_utc_iso, utcnow

DEFAULT_BACK = timedelta(days=1)
DEFAULT_AHEAD = timedelta(days=90)


@dataclass
class Report:
    window: tuple[datetime, datetime]
    invitees_checked: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": iso_z(self.window[0]),
            "to": iso_z(self.window[1]),
            "invitees_checked": self.invitees_checked,
            "changes": self.changes,
            "problems": self.problems,
        }


def default_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or utcnow()
    return now - DEFAULT_BACK, now + DEFAULT_AHEAD


def reconcile(db: Database, client: CalendlyClient, *, start: datetime, end: datetime) -> Report:
    report = Report((start, end))
    seen: set[str] = set()
    events = client.collection(
        "/scheduled_events",
        organization=organization(client),
        min_start_time=iso(start),
        max_start_time=iso(end),
        sort="start_time:asc",
    )
    for event in events:
        for invitee in client.collection(f"{path_of(event['uri'])}/invitees"):
            seen.add(invitee["uri"])
            report.invitees_checked += 1
            try:
                change = read_invitee({**invitee, "scheduled_event": event}, parse_utc_iso(invitee["created_at"]))
                with db.transaction() as session:
                    outcomes = _apply(session, change, invitee, client)
            except Unprocessable as problem:
                report.problems.append(
                    {"problem": "cannot_apply", "invitee": invitee.get("uri"), "detail": str(problem)}
                )
                continue
            report.changes.extend(outcome.as_dict() for outcome in outcomes)
    report.problems.extend(_missing_on_calendly(db, start, end, seen))
    return report


def _apply(
    session: Session, change: InviteeChange, invitee: dict[str, Any], client: CalendlyClient
) -> list[calendly_sync.Outcome]:
    outcomes: list[calendly_sync.Outcome | None] = []
    if invitee.get("status") == "active":
        outcomes.append(_ignoring(calendly_sync.invitee_created, session, change, client))
        outcomes.append(_no_show(session, change, invitee))
    elif not invitee.get("rescheduled"):  # a rescheduled invitee lives on in its successor
        booking = booking_for_change(session, change)
        if booking is not None and booking.status in ACTIVE_STATUSES:
            outcomes.append(_ignoring(calendly_sync.invitee_canceled, session, change))
    return [outcome for outcome in outcomes if outcome is not None]


def _ignoring(apply: Callable[..., calendly_sync.Outcome | None], *args: Any) -> calendly_sync.Outcome | None:
    try:
        return apply(*args)
    except Ignore:  # nothing to do here (e.g. an event type that is not a session type of this marketplace)
        return None


def _no_show(session: Session, change: InviteeChange, invitee: dict[str, Any]) -> calendly_sync.Outcome | None:
    booking = by_invitee(session, change.uri)
    marked = invitee.get("no_show")
    if booking is None or booking.no_show == bool(marked):
        return None
    at = parse_utc_iso(marked["created_at"]) if isinstance(marked, dict) and marked.get("created_at") else utcnow()
    return _ignoring(lambda: calendly_sync.no_show_changed(session, change, no_show=bool(marked), at=at))


def _missing_on_calendly(db: Database, start: datetime, end: datetime, seen: set[str]) -> list[dict[str, Any]]:
    with db.reader() as session:
        rows = session.execute(
            select(Booking.public_id, Booking.calendly_invitee_uri).where(
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start_at >= start,
                Booking.start_at <= end,
                Booking.calendly_invitee_uri.is_not(None),
            )
        ).all()
    return [
        {
            "problem": "missing_on_calendly",
            "booking": public_id,
            "invitee": uri,
            "detail": "active here, but Calendly lists no such invitee in the window",
        }
        for public_id, uri in rows
        if uri not in seen
    ]
