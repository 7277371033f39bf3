"""The local schedule keeps the builder's wall-clock hours across daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from app_under_test.availability import LocalSchedule


def session_type(zone: str, minutes: int = 30):
    return SimpleNamespace(builder=SimpleNamespace(timezone=zone), duration_minutes=minutes)


def first_slot_utc(day: datetime, zone: str) -> datetime:
    schedule = LocalSchedule(now=lambda: datetime(2027, 1, 1, tzinfo=UTC))
    return schedule.available_slots(session_type(zone), day, day + timedelta(days=1))[0].start


def test_new_york_09_00_before_and_after_the_march_2027_change():
    # US clocks go forward on Sunday 14 March 2027: 09:00 EST = 14:00Z, 09:00 EDT = 13:00Z.
    assert first_slot_utc(datetime(2027, 3, 12, 5, tzinfo=UTC), "America/New_York") == datetime(
        2027, 3, 12, 14, tzinfo=UTC
    )
    assert first_slot_utc(datetime(2027, 3, 15, 5, tzinfo=UTC), "America/New_York") == datetime(
        2027, 3, 15, 13, tzinfo=UTC
    )


def test_london_09_00_before_and_after_the_october_2027_change():
    # UK clocks go back on Sunday 31 October 2027: 09:00 BST = 08:00Z, 09:00 GMT = 09:00Z.
    assert first_slot_utc(datetime(2027, 10, 29, 0, tzinfo=UTC), "Europe/London") == datetime(
        2027, 10, 29, 8, tzinfo=UTC
    )
    assert first_slot_utc(datetime(2027, 11, 1, 0, tzinfo=UTC), "Europe/London") == datetime(2027, 11, 1, 9, tzinfo=UTC)


def test_no_slot_inside_the_minimum_notice():
    now = datetime(2027, 3, 15, 13, 10, tzinfo=UTC)  # 09:10 in New York
    slots = LocalSchedule(now=lambda: now).available_slots(
        session_type("America/New_York"), now, now + timedelta(hours=6)
    )
    assert slots and all(s.start >= now + timedelta(hours=1) for s in slots)
    assert slots[0].start == datetime(2027, 3, 15, 14, 30, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        ["America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"]
    ),
    st.integers(min_value=0, max_value=700),
    st.sampled_from([15, 30, 45, 60, 90]),
)
def test_slots_are_inside_working_hours_and_never_overlap(zone, day_offset, minutes):
    from zoneinfo import ZoneInfo

    start = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=day_offset)
    schedule = LocalSchedule(now=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    slots = schedule.available_slots(session_type(zone, minutes), start, start + timedelta(days=3))
    for slot in slots:
        local_start = slot.start.astimezone(ZoneInfo(zone))
        local_end = slot.end.astimezone(ZoneInfo(zone))
        assert local_start.weekday() < 5
        assert (local_start.hour, local_start.minute) >= (9, 0)
        assert local_end.date() == local_start.date() and (local_end.hour, local_end.minute) <= (17, 0)
        assert slot.end - slot.start == timedelta(minutes=minutes)
    assert all(a.end <= b.start for a, b in itertools.pairwise(slots))
