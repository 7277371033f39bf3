"""Where bookable times come from.

``SlotProvider`` is the seam between the booking flow and a calendar:
``available_slots`` answers "which start times can this session type take in
this range" and ``book`` tells the calendar a time was taken. ``LocalSchedule``
(working hours in the builder's zone) backs development and the embedded
default; the Calendly-backed provider plugs into the same interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from app_under_test.models import SessionType
from app_under_test.timeutil import zone

MINIMUM_NOTICE = timedelta(hours=1)
BOOKING_HORIZON = timedelta(days=400)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware UTC
    end: datetime
    remaining: int = 1


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    timezone: str


@dataclass(frozen=True)
class CalendarBooking:
    """What the calendar recorded for a booking (URIs are None for the local schedule)."""

    event_uri: str | None = None
    invitee_uri: str | None = None


class SlotProvider(Protocol):
    def available_slots(self, session_type: SessionType, start: datetime, end: datetime) -> list[Slot]:
        """Start times offered for ``session_type`` in [start, end), aware UTC, sorted."""

    def book(
        self, session_type: SessionType, slot_start: datetime, invitee: Invitee, booking_ref: str
    ) -> CalendarBooking:
        """Record the booking with the calendar; raise ``SlotUnavailable`` if it refuses."""


class SlotUnavailable(Exception):
    """The calendar no longer offers that time."""


class CalendarUnavailable(Exception):
    """The calendar could not be reached; the client may retry."""


class CalendarRefused(CalendarUnavailable):
    """The calendar refused the question itself (our credentials or our request): nothing the client can fix.

    Answered like an unreachable calendar (a 503 page, nothing written) rather than a crash; the log says which.
    """


@dataclass(frozen=True)
class WorkingHours:
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    opens: time = time(9, 0)
    closes: time = time(17, 0)


class LocalSchedule:
    """Working hours in each builder's own zone; slots every ``duration`` minutes from opening time."""

    def __init__(
        self, hours: WorkingHours | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.hours = hours or WorkingHours()
        self._now = now

    def available_slots(self, session_type: SessionType, start: datetime, end: datetime) -> list[Slot]:
        builder_zone = zone(session_type.builder.timezone)
        earliest = max(start, self._now() + MINIMUM_NOTICE)
        latest = min(end, self._now() + BOOKING_HORIZON)
        if earliest >= latest:
            return []
        step = timedelta(minutes=session_type.duration_minutes)
        slots: list[Slot] = []
        day: date = earliest.astimezone(builder_zone).date() - timedelta(days=1)
        last_day: date = latest.astimezone(builder_zone).date()
        while day <= last_day:
            if day.weekday() in self.hours.weekdays:
                local = datetime.combine(day, self.hours.opens, builder_zone)
                closing = datetime.combine(day, self.hours.closes, builder_zone)
                while local + step <= closing:
                    instant = local.astimezone(UTC)
                    if earliest <= instant < latest:
                        slots.append(Slot(instant, instant + step))
                    local = local + step
            day += timedelta(days=1)
        return slots

    def book(
        self, session_type: SessionType, slot_start: datetime, invitee: Invitee, booking_ref: str
    ) -> CalendarBooking:
        return CalendarBooking()
