"""The local schedule's edges, as a client sees them on a session page: the first and last bookable times.

A client can book from an hour from now (the minimum notice) up to 400 days ahead, within the builder's
working hours (09:00-17:00, Monday to Friday, in the builder's zone); a session must end by closing time.
"""

from __future__ import annotations

import time as host_clock
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app_under_test.availability import BOOKING_HORIZON, LocalSchedule, WorkingHours

MONDAY_9_NY = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 09:00 EDT


def session_type(zone: str = "America/New_York", minutes: int = 30):
    return SimpleNamespace(builder=SimpleNamespace(timezone=zone), duration_minutes=minutes)


def slots(now: datetime, start: datetime, end: datetime, **kwargs):
    return LocalSchedule(now=lambda: now).available_slots(session_type(**kwargs), start, end)


def test_a_slot_exactly_an_hour_away_is_offered():
    day = slots(MONDAY_9_NY, MONDAY_9_NY, MONDAY_9_NY + timedelta(hours=12))
    assert day[0].start == MONDAY_9_NY + timedelta(hours=1)
    assert day[0].end == MONDAY_9_NY + timedelta(hours=1, minutes=30)
    assert day[0].remaining == 1


def test_a_full_day_runs_from_opening_to_the_last_session_that_ends_by_closing():
    sunday = datetime(2027, 3, 14, 12, tzinfo=UTC)
    day = slots(sunday, MONDAY_9_NY - timedelta(hours=1), MONDAY_9_NY + timedelta(hours=12))
    assert len(day) == 16
    assert day[0].start == MONDAY_9_NY
    assert day[-1].end == MONDAY_9_NY + timedelta(hours=8)  # 17:00 EDT
    ninety = slots(sunday, MONDAY_9_NY, MONDAY_9_NY + timedelta(hours=12), minutes=90)
    assert [s.start.hour for s in ninety] == [13, 14, 16, 17, 19]  # 09:00 ... 15:00 EDT; 16:30 would end at 18:00


def test_the_range_asked_for_includes_its_start_and_excludes_its_end():
    sunday = datetime(2027, 3, 14, 12, tzinfo=UTC)
    start, end = MONDAY_9_NY + timedelta(hours=1), MONDAY_9_NY + timedelta(hours=2)
    assert [s.start for s in slots(sunday, start, end)] == [start, start + timedelta(minutes=30)]


def test_nothing_is_offered_at_weekends_nor_past_the_horizon():
    friday_evening = datetime(2027, 3, 12, 23, tzinfo=UTC)
    weekend = slots(friday_evening, friday_evening, friday_evening + timedelta(days=2))
    assert weekend == []
    far = slots(MONDAY_9_NY, MONDAY_9_NY + timedelta(days=395), MONDAY_9_NY + timedelta(days=420))
    assert far and far[-1].start < MONDAY_9_NY + BOOKING_HORIZON
    assert far[-1].start >= MONDAY_9_NY + BOOKING_HORIZON - timedelta(days=3)
    assert slots(MONDAY_9_NY, MONDAY_9_NY + timedelta(days=401), MONDAY_9_NY + timedelta(days=420)) == []


def test_a_range_inside_the_notice_offers_nothing():
    assert slots(MONDAY_9_NY, MONDAY_9_NY, MONDAY_9_NY + timedelta(minutes=59)) == []
    assert slots(MONDAY_9_NY, MONDAY_9_NY, MONDAY_9_NY + timedelta(hours=1)) == []


def test_a_builder_ahead_of_utc_is_offered_from_their_own_morning():
    # Tokyo is UTC+9: Tuesday 09:00 JST is Monday 00:00Z, and the UTC day asked for starts there.
    monday = datetime(2027, 3, 15, 0, 0, tzinfo=UTC)
    tokyo = slots(monday - timedelta(days=2), monday, monday + timedelta(hours=8), zone="Asia/Tokyo")
    assert tokyo[0].start == monday and len(tokyo) == 16


def test_custom_working_hours_are_kept():
    hours = WorkingHours(weekdays=(5,), opens=datetime(2000, 1, 1, 10).time(), closes=datetime(2000, 1, 1, 12).time())
    saturday = datetime(2027, 3, 20, tzinfo=UTC)
    offered = LocalSchedule(hours, now=lambda: saturday - timedelta(days=1)).available_slots(
        session_type("UTC", 60), saturday, saturday + timedelta(days=7)
    )
    assert [s.start for s in offered] == [saturday + timedelta(hours=10), saturday + timedelta(hours=11)]


@pytest.fixture
def server_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the local zone of the host the app runs on (TZ), as an operator's server may be set; restored after."""

    def set_zone(posix_tz: str) -> None:
        monkeypatch.setenv("TZ", posix_tz)
        host_clock.tzset()

    yield set_zone
    monkeypatch.undo()
    host_clock.tzset()


# POSIX zone strings (no tz database needed): the sign is inverted, "<+14>-14" is UTC+14.
@pytest.mark.parametrize("host_tz", ["UTC0", "<+14>-14", "<-12>12"], ids=["utc", "kiritimati", "baker-island"])
def test_a_builders_late_evening_is_offered_whatever_zone_the_server_runs_in(server_zone, host_tz):
    """Working days are counted in the builder's zone only: a server a day ahead of its builder (UTC+14 against
    Pago Pago's UTC-11) still offers the builder's 23:00, which is already the day after next on the server."""
    server_zone(host_tz)
    pago_pago = "Pacific/Pago_Pago"
    hours = WorkingHours(weekdays=tuple(range(7)), opens=time(18, 0), closes=time(23, 30))
    eleven_pm = datetime(2027, 3, 15, 23, 0, tzinfo=ZoneInfo(pago_pago))  # Tuesday 10:00Z, Wednesday 00:00 at UTC+14
    offered = LocalSchedule(hours, now=lambda: eleven_pm - timedelta(days=1)).available_slots(
        session_type(pago_pago), eleven_pm, eleven_pm + timedelta(hours=1)
    )
    assert [(s.start, s.end) for s in offered] == [(eleven_pm.astimezone(UTC), eleven_pm + timedelta(minutes=30))]
