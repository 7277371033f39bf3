"""While a booking tells the calendar, the calendar's webhook for it waits for the booking's commit.

Calendly sends ``invitee.created`` as soon as it has booked, often before the booking's own
transaction has committed; the webhook handler takes the booking's lock before it concludes that no
booking carries the reference (``calendly/lookup.py``). On PostgreSQL that lock is the booking
transaction's to hold from the calendar call to commit; SQLite needs none (every writer holds the
database's single write lock from BEGIN), so the test is PostgreSQL's.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app_under_test.availability import LocalSchedule
from app_under_test.booking_locks import lock_booking_ref
from app_under_test.db import make_engine
from app_under_test.models import Booking
from tests.app.web_fixtures import book_free, browser, web_app  # noqa: F401 (pytest fixtures, used by name)

pytestmark = pytest.mark.database


@pytest.mark.postgresql_only(reason="SQLite's writers queue on the database's write lock; there is no lock per booking")
def test_the_webhook_for_a_booking_being_made_waits_for_its_commit(db_url, browser, monkeypatch):
    webhook_side = make_engine(db_url)
    seen_by_webhook: list[str] = []
    real_book = LocalSchedule.book

    def book_while_a_webhook_arrives(self: LocalSchedule, *args: Any) -> Any:
        booking_ref = args[-1]
        with Session(webhook_side) as session:
            session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            try:
                lock_booking_ref(session, booking_ref)
                seen_by_webhook.append("went ahead without the booking")
            except OperationalError:
                seen_by_webhook.append("waited for the booking")
        return real_book(self, *args)

    monkeypatch.setattr(LocalSchedule, "book", book_while_a_webhook_arrives)
    try:
        assert book_free(browser).status_code == 303
        assert seen_by_webhook == ["waited for the booking"]
        with Session(webhook_side) as session:
            assert session.scalar(select(func.count(Booking.id))) == 1  # and once committed, the webhook finds it
    finally:
        webhook_side.dispose()
