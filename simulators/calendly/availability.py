"""Which start times an event type offers: weekly hours, explicit slots, bookings.

A host's weekly hours are wall-clock intervals in the host's IANA zone (so a
slot at 09:00 stays at 09:00 across a DST change); slots step by the event
type's duration from the start of each interval. Explicit extra slots are added
and blocked slots removed (both UTC). A solo slot disappears once anything on
the host's calendar overlaps it; a group slot stays open, with
``invitees_remaining`` counting down, until its invitee limit is reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from simulators.calendly.state import WEEKDAYS, CalendlyState, EventType, ScheduledEvent
from simulators.calendly.times import zone


@dataclass
class Slot:
    start: float
    invitees_remaining: int
    group_event: ScheduledEvent | None = None  # the group event a booking at this time joins


def _parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _candidate_starts(state: CalendlyState, event_type: EventType, start: float, end: float) -> set[float]:
    user = state.users[event_type.user_uuid]
    tz = zone(user.timezone)
    step = event_type.duration * 60
    first_day = datetime.fromtimestamp(start, tz).date() - timedelta(days=1)
    last_day = datetime.fromtimestamp(end, tz).date() + timedelta(days=1)
    starts: set[float] = set()
    day = first_day
    while day <= last_day:
        for opens, closes in user.weekly_hours.get(WEEKDAYS[day.weekday()], []):
            cursor = datetime.combine(day, _parse_clock(opens), tz).timestamp()
            if closes == "24:00":
                stop = datetime.combine(day + timedelta(days=1), time(0, 0), tz).timestamp()
            else:
                stop = datetime.combine(day, _parse_clock(closes), tz).timestamp()
            while cursor + step <= stop:
                starts.add(cursor)
                cursor += step
        day += timedelta(days=1)
    starts |= user.extra_slots
    starts -= user.blocked_slots
    return starts


def _slot_for(state: CalendlyState, event_type: EventType, start: float) -> Slot | None:
    end = start + event_type.duration * 60
    group_event = None
    for event in state.events.values():
        if event.user_uuid != event_type.user_uuid or event.status != "active":
            continue
        if event.start >= end or event.end <= start:
            continue
        if event_type.kind == "group" and event.event_type_uuid == event_type.uuid and event.start == start:
            group_event = event
            continue
        return None  # the host is busy
    if event_type.kind != "group":
        return Slot(start, 1)
    taken = 0 if group_event is None else sum(1 for i in state.invitees_of(group_event) if i.status == "active")
    remaining = event_type.invitees_limit - taken
    return Slot(start, remaining, group_event) if remaining > 0 else None


def available_slots(state: CalendlyState, event_type: EventType, start: float, end: float) -> list[Slot]:
    """Open slots whose start lies in ``[start, end]`` and in the (virtual) future."""
    if not event_type.active:
        return []
    now = state.now()
    with state.lock:
        slots = []
        for candidate in sorted(_candidate_starts(state, event_type, start, end)):
            if start <= candidate <= end and candidate > now:
                slot = _slot_for(state, event_type, candidate)
                if slot is not None:
                    slots.append(slot)
        return slots


def slot_at(state: CalendlyState, event_type: EventType, start: float) -> Slot | None:
    """The open slot starting exactly at ``start``, if there is one."""
    found = available_slots(state, event_type, start, start)
    return found[0] if found else None
