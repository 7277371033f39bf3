"""Which bookings get a reminder: confirmed ones starting after now and at most the window ahead, once each.

A booking starting exactly now is past reminding; one starting exactly at the end of the window is in it.
The operator's count says how many were queued and how many had one already. A moved booking gets one
"moved" mail per move.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app_under_test.db import Database, get_db
from app_under_test.mail import notices
from app_under_test.mail.reminders import queue_reminders
from app_under_test.models import Booking, OutboxMessage
from tests.app.web_fixtures import FREE_PATH, book_free, make_web_app

pytestmark = [pytest.mark.email, pytest.mark.database]
WINDOW = timedelta(hours=24)


@pytest.fixture
def mail_app(db_url):
    app = make_web_app(
        db_url,
        sendgrid_api_key="SG.never.called",
        sendgrid_api_base="http://127.0.0.1:9",
        sendgrid_booking_template_id="d-booking",
        sendgrid_reminder_template_id="d-reminder",
    )
    yield app
    app.extensions["booking_db"].dispose()


def _booked_starts(app, count: int) -> list:
    """``count`` bookings of the first slots, the latest booked first (client0 holds the latest slot)."""
    client = app.test_client()
    page = client.get(FREE_PATH, query_string={"tz": "UTC"}).get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"]+)"', page)[:count]
    for n, slot in enumerate(reversed(slots)):
        assert book_free(client, email=f"client{n}@example.com", slot=slot).status_code in (200, 303)
    with app.app_context(), get_db().reader() as session:
        return [b.start_at for b in session.scalars(select(Booking).order_by(Booking.start_at))]


def _reminders(app) -> list[str]:
    with app.app_context(), get_db().reader() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id))
        return [row.recipient for row in rows]


def test_a_booking_at_the_end_of_the_window_is_reminded_and_one_starting_now_is_not(mail_app):
    (start,) = _booked_starts(mail_app, 1)
    with mail_app.app_context():
        assert queue_reminders(get_db(), now=start, within=WINDOW) == {"queued": 0, "already_queued": 0}
        assert queue_reminders(get_db(), now=start - WINDOW - timedelta(seconds=1), within=WINDOW) == {
            "queued": 0,
            "already_queued": 0,
        }
        assert _reminders(mail_app) == []
        assert queue_reminders(get_db(), now=start - WINDOW, within=WINDOW) == {"queued": 1, "already_queued": 0}
    assert _reminders(mail_app) == ["client0@example.com"]  # the only booking


def test_each_booking_is_reminded_once_in_start_order(mail_app):
    starts = _booked_starts(mail_app, 3)
    now = starts[0] - timedelta(minutes=1)
    within = starts[-1] - now
    with mail_app.app_context():
        assert queue_reminders(get_db(), now=now, within=within) == {"queued": 3, "already_queued": 0}
        assert queue_reminders(get_db(), now=now, within=within) == {"queued": 0, "already_queued": 3}
    # queued (and so sent) soonest first, whatever order the bookings were made in
    assert _reminders(mail_app) == ["client2@example.com", "client1@example.com", "client0@example.com"]


@pytest.mark.parametrize("within", [timedelta(0), timedelta(minutes=-5)])
def test_a_window_that_is_not_ahead_is_refused(mail_app, within):
    with mail_app.app_context(), pytest.raises(ValueError, match=r"^the window must be positive$"):
        queue_reminders(get_db(), now=_booked_starts(mail_app, 1)[0] - WINDOW, within=within)
    assert _reminders(mail_app) == []


def test_a_moved_booking_is_reminded_again_for_its_new_time(mail_app):
    (start,) = _booked_starts(mail_app, 1)
    with mail_app.app_context():
        assert queue_reminders(get_db(), now=start - WINDOW, within=WINDOW)["queued"] == 1
        with get_db().transaction() as session:  # as a Calendly reschedule moves it
            booking = session.scalar(select(Booking))
            booking.start_at, booking.end_at = start + timedelta(hours=1), booking.end_at + timedelta(hours=1)
        assert queue_reminders(get_db(), now=start - WINDOW, within=WINDOW + timedelta(hours=1)) == {
            "queued": 1,
            "already_queued": 0,
        }
    assert _reminders(mail_app) == ["client0@example.com", "client0@example.com"]


def test_each_move_of_a_booking_sends_its_own_moved_mail_and_a_repeated_notice_none(mail_app):
    (start,) = _booked_starts(mail_app, 1)
    with mail_app.app_context():
        for previous, new in (
            (start, start + timedelta(hours=1)),
            (start + timedelta(hours=1), start + timedelta(hours=2)),
        ):
            for _copy in range(2):  # the same move told twice (a redelivered webhook) queues nothing more
                with get_db().transaction() as session:
                    booking = session.scalar(select(Booking))
                    booking.start_at = new
                    notices.booking_moved(session, booking, previous_start=previous)
        with get_db().reader() as session:
            moved = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "moved")).all()
    assert len(moved) == 4  # client and builder, for each of the two moves


def test_a_database_opened_outside_the_app_queues_no_reminder_and_counts_none_queued(mail_app, db_url):
    """A script or test that opens the database on its own has no mail configuration: nothing may be queued."""
    (start,) = _booked_starts(mail_app, 1)
    outside = Database(db_url)
    try:
        assert queue_reminders(outside, now=start - WINDOW, within=WINDOW)["queued"] == 0
    finally:
        outside.dispose()
    assert _reminders(mail_app) == []
