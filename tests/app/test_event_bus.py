"""The booking event bus: subscribers run in order inside the publisher's transaction; no bus, no side effects."""

from __future__ import annotations

from dataclasses import dataclass

from app_under_test import create_app
from app_under_test.booking_events import BookingCanceled, BookingConfirmed, PaymentRefunded
from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.event_bus import BUS_KEY, EventBus, attach, publish
from app_under_test.mail import subscribers as mail_subscribers
from app_under_test.payments import subscribers as payment_subscribers


@dataclass(frozen=True)
class Happened:
    n: int


def test_subscribers_run_in_subscription_order_with_the_publishing_session(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/bus.sqlite3")
    bus = EventBus()
    seen: list[tuple[str, int, bool]] = []
    bus.subscribe(Happened, lambda session, event: seen.append(("first", event.n, session.in_transaction())))
    bus.subscribe(Happened, lambda session, event: seen.append(("second", event.n, session.in_transaction())))
    bus.subscribe(BookingConfirmed, lambda session, event: seen.append(("other", 0, True)))
    attach(db.session_info, bus)
    with db.transaction() as session:
        publish(session, Happened(7))
    db.dispose()
    assert seen == [("first", 7, True), ("second", 7, True)]


def test_a_database_outside_an_app_has_no_subscribers(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/bare.sqlite3")
    with db.transaction() as session:
        assert BUS_KEY not in session.info
        publish(session, Happened(1))  # nothing to run, nothing raised
    db.dispose()


def test_create_app_subscribes_refunds_before_the_cancellation_mail(tmp_path):
    app = create_app(Config(env="test", database_url=f"sqlite:///{tmp_path}/app.sqlite3", secret_key="x" * 40))
    bus = app.extensions["booking_event_bus"]
    assert bus.handlers(BookingCanceled) == [payment_subscribers.refund_on_cancel, mail_subscribers.canceled]
    assert bus.handlers(PaymentRefunded) == [mail_subscribers.refunded]
    with app.extensions["booking_db"].transaction() as session:
        assert session.info[BUS_KEY] is bus
    app.extensions["booking_db"].dispose()
