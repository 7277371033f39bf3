"""The database itself refuses double-booking, whatever the interleaving (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app_under_test.availability import LocalSchedule, SlotUnavailable
from app_under_test.booking_service import BookingRequest, SlotTaken, create_booking
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.db import Database
from app_under_test.models import Booking, SessionType, SlotClaim
from harness.concurrency import all_at_once
from tests.app.log_capture import info_logs

pytestmark = [pytest.mark.database, pytest.mark.concurrency]
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)  # a Monday, 08:00 London


@pytest.fixture
def database(db_url):
    db = Database(db_url)
    with db.transaction() as session:
        add_builder(
            session,
            BuilderSpec(
                name="Ada Stone",
                timezone="Europe/London",
                email="ada@example.com",
                session_types=[SessionTypeSpec("Intro call", "free", 30), SessionTypeSpec("Long call", "free", 60)],
            ),
        )
    yield db
    db.dispose()


def attempt(db: Database, type_slug: str, start: datetime, email: str) -> str:
    try:
        with db.transaction() as session:
            session_type = session.scalar(select(SessionType).where(SessionType.slug == type_slug))
            create_booking(
                session,
                BookingRequest(session_type, start, "Racer", email, "Europe/London"),
                LocalSchedule(now=lambda: NOW),
                now=NOW,
            )
        return "booked"
    except SlotTaken:
        return "taken"


def test_twenty_concurrent_requests_for_one_slot_make_one_booking(database):
    start = NOW + timedelta(hours=2)  # 10:00 London
    outcomes = all_at_once(lambda index: attempt(database, "intro-call", start, f"racer{index}@example.com"), 20)
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19
    with database.reader() as session:
        assert session.scalar(select(func.count(Booking.id))) == 1
        assert session.scalar(select(func.count()).select_from(SlotClaim)) == 2  # two 15-minute blocks


def test_an_overlapping_longer_session_is_refused_and_leaves_nothing(database):
    assert attempt(database, "intro-call", NOW + timedelta(hours=2, minutes=30), "a@example.com") == "booked"
    assert attempt(database, "long-call", NOW + timedelta(hours=2), "b@example.com") == "taken"
    with database.reader() as session:
        assert session.scalar(select(func.count(Booking.id))) == 1
        assert session.scalar(select(func.count()).select_from(SlotClaim)) == 2


class CalendarThatGaveTheTimeAway(LocalSchedule):
    """Offers its times, then refuses the booking as Calendly does for a time someone took meanwhile."""

    def book(self, session_type, slot_start, invitee, booking_ref):
        raise SlotUnavailable("The selected time is not available.")


def test_a_time_the_calendar_gave_away_asks_the_client_to_pick_again_and_tells_the_operator_why(database):
    start = NOW + timedelta(hours=2)
    refused = pytest.raises(SlotTaken, match="please pick another slot")
    with info_logs() as logs, refused, database.transaction() as session:
        session_type = session.scalar(select(SessionType).where(SessionType.slug == "intro-call"))
        create_booking(
            session,
            BookingRequest(session_type, start, "Grace Hopper", "grace@example.com", "Europe/London"),
            CalendarThatGaveTheTimeAway(now=lambda: NOW),
            now=NOW,
        )
    [refusal] = [line for line in logs if line["event"] == "calendar_refused_time"]
    assert (refusal["start"], refusal["reason"]) == ("2027-01-04T10:00:00Z", "The selected time is not available.")
    assert refusal["booking"]
    with database.reader() as session:
        assert session.scalar(select(func.count(Booking.id))) == 0  # nothing of the attempt stays
