"""Calendly handlers through the real inbox: each event's effect, idempotency, and order independence.

Events go through the inbox exactly as the webhook view sends them
(``inbox.receive``), and parked events are retried through ``process_due``.
Calendly's current state, which the create handler asks for when nothing local
matches, comes from a fake reader holding the story's final state. The property
test feeds every permutation Hypothesis picks and requires the same final state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app_under_test import create_app
from app_under_test.availability import CalendarBooking, Slot
from app_under_test.booking_locks import lock_booking
from app_under_test.booking_service import BookingRequest, cancel_booking, claim_blocks, create_booking
from app_under_test.calendly.sync import MAX_RESCHEDULE_CHAIN
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.models import (
    Booking,
    BookingStatus,
    Client,
    OutboxMessage,
    RoutingFormSubmission,
    SessionType,
    SlotClaim,
)
from app_under_test.webhooks import calendly_handlers, calendly_ingest, inbox
from app_under_test.webhooks.calendly_handlers import apply_event, dispatch
from app_under_test.webhooks.calendly_ingest import dedupe_key
from harness.databases import SqliteDatabases
from harness.waiting import wait_until
from tests.app.log_capture import info_logs

pytestmark = [pytest.mark.calendly, pytest.mark.webhook, pytest.mark.database]

API = "https://api.calendly.com"
EVENT_TYPE = f"{API}/event_types/ET-INTRO"
T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def stamp(minutes: int) -> str:
    return (datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


@dataclass
class Invitee:
    name: str  # A, B...
    start: datetime
    tracking: dict = field(default_factory=dict)
    old: str | None = None

    @property
    def uri(self) -> str:
        return f"{API}/scheduled_events/EV-{self.name}/invitees/INV-{self.name}"

    @property
    def event(self) -> str:
        return f"{API}/scheduled_events/EV-{self.name}"


def payload(invitee: Invitee, **extra) -> dict:
    body = {
        "uri": invitee.uri,
        "email": "grace@example.com",
        "name": "Grace Hopper",
        "status": "active",
        "timezone": "Europe/Paris",
        "event": invitee.event,
        "created_at": stamp(0),
        "updated_at": stamp(0),
        "tracking": {"utm_source": None, "utm_content": None, **invitee.tracking},
        "rescheduled": False,
        "old_invitee": invitee.old,
        "new_invitee": None,
        "routing_form_submission": None,
        "no_show": None,
        "scheduled_event": {
            "uri": invitee.event,
            "name": "Intro call",
            "status": "active",
            "start_time": iso(invitee.start),
            "end_time": iso(invitee.start + timedelta(minutes=30)),
            "event_type": EVENT_TYPE,
        },
    }
    body.update(extra)
    return body


def envelope(event: str, at: int, body: dict) -> dict:
    return {"event": event, "created_at": stamp(at), "created_by": f"{API}/users/OPS", "payload": body}


def created(invitee: Invitee, at: int) -> dict:
    return envelope("invitee.created", at, payload(invitee))


def canceled(invitee: Invitee, at: int, *, by: str = "Grace Hopper", new: Invitee | None = None) -> dict:
    cancellation = {
        "canceled_by": by,
        "reason": "Clash" if new is None else None,
        "canceler_type": "invitee",
        "created_at": stamp(at),
    }
    return envelope(
        "invitee.canceled",
        at,
        payload(
            invitee,
            status="canceled",
            cancellation=cancellation,
            rescheduled=new is not None,
            new_invitee=new and new.uri,
        ),
    )


def no_show(invitee: Invitee, at: int, *, mark: int | None) -> dict:
    event = "invitee_no_show.created" if mark is not None else "invitee_no_show.deleted"
    marked = {"uri": f"{API}/invitee_no_shows/NS-{mark}", "created_at": stamp(at)} if mark is not None else None
    return envelope(event, at, payload(invitee, no_show=marked))


class FakeCalendly:
    """Calendly's state at the end of the story: what ``GET`` an invitee answers."""

    def __init__(self, invitees: dict[str, dict]) -> None:
        self.invitees = invitees

    def invitee(self, uri: str) -> dict | None:
        return self.invitees.get(uri)


def seed(db: Database) -> None:
    with db.transaction() as session:
        add_builder(
            session,
            BuilderSpec(
                name="Ada Stone",
                timezone="Europe/London",
                email="ada@example.com",
                calendly_user_uri=f"{API}/users/ADA",
                session_types=[SessionTypeSpec("Intro call", "free", 30, calendly_event_type_uri=EVENT_TYPE)],
            ),
        )


def app_booking(db: Database, invitee: Invitee, ref: str = "ref-app-1") -> None:
    """A booking the app made (and linked) before any webhook arrived."""
    with db.transaction() as session:
        client = Client(email="grace@example.com", name="Grace Hopper", timezone="Europe/Paris")
        session.add(client)
        session.flush()
        booking = Booking(
            public_id=ref,
            builder_id=1,
            session_type_id=1,
            client_id=client.id,
            start_at=invitee.start,
            end_at=invitee.start + timedelta(minutes=30),
            client_timezone="Europe/Paris",
            status=BookingStatus.CONFIRMED,
            calendly_event_uri=invitee.event,
            calendly_invitee_uri=invitee.uri,
        )
        booking.claims = [
            SlotClaim(builder_id=1, block_start=b) for b in claim_blocks(booking.start_at, booking.end_at)
        ]
        session.add(booking)


def deliver(db: Database, body: dict, calendly: FakeCalendly | None = None) -> str:
    """What the webhook view does with a verified event (``inbox.receive``)."""
    incoming = inbox.IncomingEvent("calendly", dedupe_key(body), body["event"], json.dumps(body))
    received = inbox.receive(db, incoming, lambda s, row, env: apply_event(s, env, calendly))
    return "duplicate" if received.duplicate else received.status


def retry_parked(db: Database, calendly: FakeCalendly | None = None) -> None:
    for round_no in range(inbox.MAX_ATTEMPTS):
        outcomes = inbox.process_due(
            db, {"calendly": lambda s, row, env: apply_event(s, env, calendly)}, now=LATER + timedelta(days=round_no)
        )
        if not outcomes:
            return


def final_state(db: Database) -> dict:
    with db.reader() as session:
        bookings = session.scalars(select(Booking).order_by(Booking.id)).all()
        statuses = dict(
            session.execute(select(inbox.WebhookEvent.status, func.count()).group_by(inbox.WebhookEvent.status)).all()
        )
        return {
            "bookings": [
                (
                    b.status.value,
                    b.start_at,
                    b.calendly_invitee_uri,
                    b.no_show,
                    b.canceled_by,
                    b.status_changed_at if b.source == "calendly" or b.status.value == "canceled" else None,
                )
                for b in bookings
            ],
            "claims": session.scalar(select(func.count()).select_from(SlotClaim)),
            "unsettled": {k: v for k, v in statuses.items() if k in ("retry", "dead", "received")},
        }


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    seed(database)
    yield database
    database.dispose()


def test_a_booking_made_on_calendly_is_created_once_whatever_the_copies(db):
    a = Invitee("A", T0)
    assert deliver(db, created(a, 1)) == "processed"
    assert deliver(db, created(a, 1)) == "duplicate"
    state = final_state(db)
    event_time = datetime.fromisoformat(stamp(1).replace("Z", "+00:00"))
    assert state["bookings"] == [("confirmed", T0, a.uri, False, None, event_time)]
    assert state["claims"] == 2
    with db.reader() as session:
        booking = session.scalar(select(Booking))
        assert (booking.source, booking.client.email, booking.client_timezone) == (
            "calendly",
            "grace@example.com",
            "Europe/Paris",
        )


def test_an_event_type_that_is_no_session_type_is_ignored_with_the_reason(db):
    body = created(Invitee("A", T0), 1)
    body["payload"]["scheduled_event"]["event_type"] = f"{API}/event_types/SOMEONE-ELSES"
    assert deliver(db, body) == "ignored"
    with db.reader() as session:
        row = session.scalar(select(inbox.WebhookEvent))
        assert "not one of this marketplace's session types" in row.last_error
        assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_calendly_booking_over_a_local_one_is_a_dead_letter_not_a_double_booking(db):
    app_booking(db, Invitee("A", T0))
    assert deliver(db, created(Invitee("B", T0 + timedelta(minutes=15)), 1)) == "dead"
    with db.reader() as session:
        assert "overlaps another booking" in session.scalar(select(inbox.WebhookEvent.last_error))
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def handler_waits_for_a_lock(db: Database) -> int:
    """Asked in a transaction of its own each time (one transaction's snapshot would never see the wait begin)."""
    with db.reader() as watcher:
        return watcher.scalar(
            text(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"
            )
        )


class CalendlyThatSendsTheWebhookAtOnce:
    """Calendly as a booking made here meets it: ``invitee.created`` arrives before the booking call returns.

    ``book`` delivers the webhook (carrying the booking's reference, as every invitee this app books does)
    on another thread and answers only once that delivery is stuck behind the booking's transaction (or is
    over): the handler then runs while the booking is written but not committed.
    """

    def __init__(self, db: Database, pool: ThreadPoolExecutor) -> None:
        self.db, self.pool = db, pool
        self.invitee: Invitee | None = None
        self.delivery: Future[inbox.Received] | None = None
        self.outcomes: list[object] = []  # what the handler applied (None: nothing to change)

    def available_slots(self, session_type: SessionType, start: datetime, end: datetime) -> list[Slot]:
        return [Slot(T0, T0 + timedelta(minutes=30))]

    def book(
        self, session_type: SessionType, slot_start: datetime, invitee: object, booking_ref: str
    ) -> CalendarBooking:
        self.invitee = Invitee("A", slot_start, {"utm_source": "booking-app", "utm_content": booking_ref})
        body = created(self.invitee, 1)
        incoming = inbox.IncomingEvent("calendly", dedupe_key(body), body["event"], json.dumps(body))
        self.delivery = delivery = self.pool.submit(
            inbox.receive, self.db, incoming, lambda s, row, env: self.outcomes.append(apply_event(s, env, None))
        )
        wait_until(
            lambda: delivery.done() or handler_waits_for_a_lock(self.db),
            what="the invitee.created handler to run into the uncommitted booking",
        )
        return CalendarBooking(event_uri=self.invitee.event, invitee_uri=self.invitee.uri)


@pytest.mark.postgresql_only(
    reason="SQLite has one writer at a time: the webhook cannot run inside an open booking transaction"
)
def test_calendlys_invitee_created_arriving_before_the_booking_commits_waits_for_it_and_books_nothing_twice(db):
    """Without the booking reference's lock the handler would not see the booking, book the invitee again
    "from Calendly's data", and collide with the booking's client and slot: a parked or dead event, not a match."""
    with ThreadPoolExecutor(1) as pool:
        calendly = CalendlyThatSendsTheWebhookAtOnce(db, pool)
        with db.transaction() as session:  # the booking view's transaction; commits (or rolls back) on leaving
            request = BookingRequest(
                session_type=session.get(SessionType, 1),
                start_at=T0,
                client_name="Grace Hopper",
                client_email="grace@example.com",
                client_timezone="Europe/Paris",
            )
            ref = create_booking(session, request, calendly, now=T0 - timedelta(days=1)).public_id
        assert calendly.delivery is not None and calendly.invitee is not None
        received = calendly.delivery.result(timeout=30)
    assert received.status == "processed"
    assert calendly.outcomes == [None]  # the booking it names already carries this invitee: nothing to do
    state = final_state(db)
    assert [b[:3] for b in state["bookings"]] == [("confirmed", T0, calendly.invitee.uri)]
    assert state["claims"] == 2 and state["unsettled"] == {}
    with db.reader() as session:
        booking = session.scalar(select(Booking))
        assert (booking.public_id, booking.source) == (ref, "app")


@pytest.mark.postgresql_only(reason="SQLite has one writer at a time: two transactions never hold locks side by side")
def test_locking_a_booking_holds_back_no_other_booking_of_its_client_or_session_type(db):
    """The booking lock takes the booking's row alone, not the client's and session type's rows read with it: a
    client's second booking of the same session (one settling while the other is canceled) is worked on side by
    side, and no booking waits for another it merely shares a client or a session type with."""
    app_booking(db, Invitee("A", T0))
    with db.transaction() as session:
        first = session.scalar(select(Booking))
        second = Booking(
            public_id="ref-app-2",
            builder_id=1,
            session_type_id=first.session_type_id,
            client_id=first.client_id,
            start_at=T0 + timedelta(hours=2),
            end_at=T0 + timedelta(hours=2, minutes=30),
            client_timezone="Europe/Paris",
            status=BookingStatus.CONFIRMED,
        )
        session.add(second)
        session.flush()
        first_id, second_id = first.id, second.id

    def lock_the_second() -> str:
        with db.transaction() as other:
            locked = lock_booking(other, second_id)
            assert locked is not None
            return locked.public_id

    with ThreadPoolExecutor(1) as pool:
        with db.transaction() as session:
            assert lock_booking(session, first_id) is not None
            other = pool.submit(lock_the_second)
            wait_until(
                lambda: other.done() or handler_waits_for_a_lock(db),
                what="the second booking's lock to be taken, or waited for",
            )
            assert other.done(), "locking one booking made another booking of its client and session type wait"
        assert other.result(timeout=30) == "ref-app-2"


@pytest.fixture
def app_db(db_url):
    """The database as the app wires it: a cancellation queues its mails (and any refund) in its transaction."""
    app = create_app(
        Config(
            env="test",
            database_url=db_url,
            secret_key="x" * 40,
            slot_provider="local",
            public_base_url="https://book.example.com",
            log_level="ERROR",
        )
    )
    database = app.extensions["booking_db"]
    seed(database)
    yield database
    database.dispose()


@pytest.mark.postgresql_only(reason="SQLite has one writer at a time: the Calendly handler cannot overlap the lock")
def test_calendlys_cancel_arriving_while_stripe_cancels_the_booking_waits_and_leaves_that_cancellation_alone(app_db):
    """Settlement cancels a booking under its lock (Stripe took the wrong amount) while Calendly's invitee.canceled
    for it comes in. Deciding on what it read before that commit, the Calendly handler would cancel the booking
    again, overwrite who canceled it and why, and publish a second cancellation (its mails, its refund request);
    it must wait for the lock and find the booking canceled already."""
    a = Invitee("A", T0)
    app_booking(app_db, a)
    reason = "Stripe took 10.00 GBP where this session costs 45.00 GBP, so we did not confirm the booking."
    with ThreadPoolExecutor(1) as pool:
        with app_db.transaction() as session:  # the Stripe handler's transaction; commits on leaving
            booking = lock_booking(session, session.scalar(select(Booking.id)))
            assert cancel_booking(session, booking, reason=reason, canceled_by="payments", at=T0 - timedelta(days=1))
            session.flush()
            delivery = pool.submit(deliver, app_db, canceled(a, 5))
            wait_until(
                lambda: delivery.done() or handler_waits_for_a_lock(app_db),
                what="the invitee.canceled handler to wait for the booking Stripe's handler holds",
            )
            assert not delivery.done(), "the Calendly handler did not wait for the booking's lock"
        assert delivery.result(timeout=30) == "processed"
    with app_db.reader() as session:
        booking = session.scalar(select(Booking))
        assert (booking.status, booking.canceled_by, booking.cancel_reason) == (
            BookingStatus.CANCELED,
            "payments",
            reason,
        )
        mails = session.execute(
            select(OutboxMessage.recipient, OutboxMessage.data)
            .where(OutboxMessage.kind == "cancellation")
            .order_by(OutboxMessage.id)
        ).all()
    assert [(recipient, data.get("reason")) for recipient, data in mails] == [
        ("grace@example.com", reason),
        ("ada@example.com", reason),
    ]
    assert final_state(app_db)["unsettled"] == {}


def test_a_cancel_for_an_unknown_invitee_is_parked_then_applied_once_its_create_is_in(db):
    a = Invitee("A", T0)
    assert deliver(db, canceled(a, 5)) == "retry"
    assert deliver(db, created(a, 1)) == "processed"
    retry_parked(db)
    state = final_state(db)
    assert [b[:5] for b in state["bookings"]] == [("canceled", T0, a.uri, False, "Grace Hopper")]
    assert state["claims"] == 0 and state["unsettled"] == {}


def test_a_parked_event_whose_create_never_comes_ends_as_a_dead_letter(db):
    assert deliver(db, no_show(Invitee("A", T0), 5, mark=1)) == "retry"
    retry_parked(db)
    with db.reader() as session:
        row = session.scalar(select(inbox.WebhookEvent))
        assert (row.status, row.attempts) == ("dead", inbox.MAX_ATTEMPTS)


def test_a_stale_no_show_removal_after_a_newer_mark_is_ignored(db):
    a = Invitee("A", T0)
    app_booking(db, a)
    assert deliver(db, no_show(a, 10, mark=2)) == "processed"
    assert deliver(db, no_show(a, 5, mark=None)) == "ignored"
    assert final_state(db)["bookings"][0][3] is True


def routing_submission(*answers: str) -> dict:
    """A ``routing_form_submission.created`` of submission S1 (no submitter yet), one answer per question."""
    return {
        "event": "routing_form_submission.created",
        "created_at": stamp(0),
        "created_by": "u",
        "payload": {
            "uri": f"{API}/routing_form_submissions/S1",
            "routing_form": f"{API}/routing_forms/F1",
            "questions_and_answers": [
                {"question_uuid": f"q{n}", "question": f"Question {n}", "answer": answer}
                for n, answer in enumerate(answers)
            ],
            "tracking": {},
            "result": {"type": "event_type", "value": EVENT_TYPE},
            "submitter": None,
            "submitter_type": None,
            "created_at": stamp(0),
            "updated_at": stamp(0),
        },
    }


def test_a_routing_form_submission_is_linked_from_either_side(db):
    a = Invitee("A", T0)
    submission = routing_submission("Ship")
    assert deliver(db, submission) == "processed"
    body = created(a, 1)
    body["payload"]["routing_form_submission"] = f"{API}/routing_form_submissions/S1"
    assert deliver(db, body) == "processed"
    with db.reader() as session:
        row = session.scalar(select(RoutingFormSubmission))
        assert row.client_id is not None and row.submitter_uri == a.uri and row.result_event_type_uri == EVENT_TYPE


def test_a_submission_stored_first_gets_the_client_of_the_booking_made_here_that_its_invitee_names(db):
    """Grace answered the routing form, then booked through this app: the submission came in first, with no
    submitter and no email among its answers. When the booking's invitee.created names the submission, the
    submission is linked to the booking's client and its invitee."""
    a = Invitee("A", T0)
    app_booking(db, a)
    assert deliver(db, routing_submission("Ship")) == "processed"
    body = created(a, 1)
    body["payload"]["routing_form_submission"] = f"{API}/routing_form_submissions/S1"
    assert deliver(db, body) == "processed"
    with db.reader() as session:
        booking_client = session.scalar(select(Booking.client_id))
        row = session.scalar(select(RoutingFormSubmission))
    assert (row.client_id, row.submitter_uri) == (booking_client, a.uri)


@pytest.mark.parametrize(
    "result",
    [
        None,
        {"type": "external_url", "value": "https://example.com/thank-you"},
        {"type": "custom_message", "value": {"headline": "Thank you", "body": ""}},
    ],
    ids=["no result", "sent to a web page", "shown a message"],
)
def test_a_submission_that_routed_to_no_event_type_is_stored_without_one(db, result):
    """Only a result of type event_type names an event type: a form that sent the person to a web page or showed
    a message (or gave no result) is stored with no event type, not with the page's address."""
    body = routing_submission("Ship")
    body["payload"]["result"] = result
    assert deliver(db, body) == "processed"
    with db.reader() as session:
        row = session.scalar(select(RoutingFormSubmission))
    assert (row.uri, row.result_event_type_uri) == (f"{API}/routing_form_submissions/S1", None)


def test_a_submission_is_stored_with_the_routing_form_it_was_made_on(db):
    """The operator's list of submissions names the form each one came through (several forms may route to the
    same event type)."""
    assert deliver(db, routing_submission("Ship")) == "processed"
    with db.reader() as session:
        row = session.scalar(select(RoutingFormSubmission))
    assert (row.uri, row.routing_form_uri, row.result_event_type_uri) == (
        f"{API}/routing_form_submissions/S1",
        f"{API}/routing_forms/F1",
        EVENT_TYPE,
    )


def test_a_replayed_submission_that_now_finds_its_client_links_them_and_the_event_log_says_so(db):
    """Stored before anyone with the email it names was a client here, the submission has no client. Once Grace is
    one (she booked on Calendly without going through the form), the operator replays the event: the submission
    is linked, and the 'calendly_event_applied' line says so (a replay that changes nothing says nothing)."""
    body = routing_submission("Ship", "grace@example.com")
    incoming = inbox.IncomingEvent("calendly", dedupe_key(body), body["event"], json.dumps(body))
    stored = inbox.receive(db, incoming, calendly_handlers.dispatch)
    assert stored.status == "processed" and stored.event_id is not None
    assert deliver(db, created(Invitee("A", T0), 1)) == "processed"
    with db.reader() as session:
        assert session.scalar(select(RoutingFormSubmission.client_id)) is None

    with info_logs() as logs:
        assert inbox.replay(db, stored.event_id, calendly_handlers.dispatch) == "processed"
        assert inbox.replay(db, stored.event_id, calendly_handlers.dispatch) == "processed"
    applied = [line["outcome"] for line in logs if line["event"] == "calendly_event_applied"]
    assert applied == [f"routing form submission {API}/routing_form_submissions/S1 linked", ""]
    with db.reader() as session:
        grace = session.scalar(select(Client.id).where(Client.email == "grace@example.com"))
        assert session.scalar(select(RoutingFormSubmission.client_id)) == grace


def test_a_no_show_mark_without_its_uri_is_a_dead_letter_that_names_the_field(db):
    a = Invitee("A", T0)
    app_booking(db, a)
    broken = no_show(a, 5, mark=1)
    del broken["payload"]["no_show"]["uri"]
    assert deliver(db, broken) == "dead"
    with db.reader() as session:  # what the operator's dead-letter list shows
        last_error = session.scalar(select(inbox.WebhookEvent.last_error))
    assert last_error.endswith("Unprocessable: payload.no_show.uri is required (a non-empty string)")
    assert final_state(db)["bookings"][0][3] is False


# --- order independence ------------------------------------------------------------------------


def direct_story():
    a = Invitee("A", T0)
    events = [created(a, 1), no_show(a, 3, mark=1), no_show(a, 4, mark=None), no_show(a, 5, mark=2), canceled(a, 6)]
    final = {
        a.uri: {
            "uri": a.uri,
            "status": "canceled",
            "rescheduled": False,
            "cancellation": events[-1]["payload"]["cancellation"],
        }
    }
    return None, events, FakeCalendly(final), [("canceled", T0, a.uri, True, "Grace Hopper")]


def reschedule_story(tracked: bool):
    tracking = {"utm_source": "booking-app", "utm_content": "ref-app-1"} if tracked else {}
    a = Invitee("A", T0, tracking)
    b = Invitee("B", T0 + timedelta(days=1, hours=2), tracking, old=a.uri)
    events = [created(a, 1), canceled(a, 2, new=b), created(b, 2), no_show(b, 4, mark=1), canceled(b, 6)]
    final = {
        a.uri: {"uri": a.uri, "status": "canceled", "rescheduled": True, "new_invitee": b.uri},
        b.uri: {
            "uri": b.uri,
            "status": "canceled",
            "rescheduled": False,
            "cancellation": events[-1]["payload"]["cancellation"],
        },
    }
    return (a if tracked else None), events, FakeCalendly(final), [("canceled", b.start, b.uri, True, "Grace Hopper")]


STORIES = {
    "direct": direct_story,
    "rescheduled on calendly": lambda: reschedule_story(False),
    "booked in the app, rescheduled": lambda: reschedule_story(True),
}


IN_ORDER: dict[str, dict] = {}  # each story's final state when its events come in order


@pytest.fixture(scope="module")
def scratch_databases():
    databases = SqliteDatabases()
    yield databases
    databases.close()


def run_story(databases: SqliteDatabases, name: str, order: list[int], duplicate: int | None) -> dict:
    url = databases.create()
    db = Database(url)
    try:
        seed(db)
        app_made, events, calendly, _ = STORIES[name]()
        if app_made is not None:
            app_booking(db, app_made)
        for index in order:
            deliver(db, events[index], calendly)
            if duplicate == index:
                assert deliver(db, events[index], calendly) == "duplicate"
        retry_parked(db, calendly)
        return final_state(db)
    finally:
        db.dispose()
        databases.drop(url)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_of_a_bookings_events_ends_in_the_same_state(scratch_databases, data):
    name = data.draw(st.sampled_from(sorted(STORIES)), label="story")
    _, events, _, expected = STORIES[name]()
    order = data.draw(st.permutations(range(len(events))), label="order")
    duplicate = data.draw(st.one_of(st.none(), st.sampled_from(range(len(events)))), label="duplicate")
    if name not in IN_ORDER:
        IN_ORDER[name] = run_story(scratch_databases, name, list(range(len(events))), None)
    in_order = IN_ORDER[name]
    shuffled = run_story(scratch_databases, name, list(order), duplicate)
    assert [b[:5] for b in in_order["bookings"]] == expected
    assert shuffled == in_order
    assert shuffled["claims"] == 0 and shuffled["unsettled"] == {}


@pytest.mark.parametrize("minutes", [0, -30], ids=["ends as it starts", "ends before it starts"])
def test_an_invitee_whose_event_does_not_end_after_it_starts_is_a_dead_letter_that_says_so(db, minutes):
    body = created(Invitee("A", T0), 1)
    body["payload"]["scheduled_event"]["end_time"] = iso(T0 + timedelta(minutes=minutes))
    assert deliver(db, body) == "dead"
    with db.reader() as session:  # what the operator's dead-letter list shows
        last_error = session.scalar(select(inbox.WebhookEvent.last_error))
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
    assert last_error.endswith("Unprocessable: payload.scheduled_event.end_time must be after start_time")


def test_a_signed_event_whose_created_at_is_one_character_is_kept_as_a_dead_letter_that_names_it(db):
    """The webhook refuses only what it cannot store (an empty or missing created_at); a created_at that is there
    but is no time is accepted, so Calendly does not retry it for a day, and kept for the operator as a dead
    letter saying what is wrong with it."""
    body = created(Invitee("A", T0), 1)
    body["created_at"] = "7"
    raw = json.dumps(body).encode()
    key, now = "calendly-signing-key", int(time.time())
    signature = hmac.new(key.encode(), f"{now}.".encode() + raw, hashlib.sha256).hexdigest()
    incoming = calendly_ingest.parse(
        raw, {calendly_ingest.HEADER: f"t={now},v1={signature}"}, Config(calendly_webhook_signing_key=key)
    )
    received = inbox.receive(db, incoming, lambda s, row, env: apply_event(s, env, None))
    assert received.status == "dead"
    with db.reader() as session:
        last_error = session.scalar(select(inbox.WebhookEvent.last_error))
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
    assert last_error.endswith("Unprocessable: created_at is not an ISO-8601 time with a zone")


def test_a_reschedule_without_its_new_invitee_is_a_dead_letter_that_names_the_missing_field(db):
    broken = canceled(Invitee("A", T0), 5, new=Invitee("B", T0 + timedelta(hours=1)))
    broken["payload"]["new_invitee"] = None
    assert deliver(db, broken) == "dead"
    with db.reader() as session:  # what the operator's dead-letter list shows
        last_error = session.scalar(select(inbox.WebhookEvent.last_error))
    assert last_error.endswith("Unprocessable: payload.new_invitee is required when rescheduled is true")


def test_each_change_says_what_it_did_as_the_event_log_and_the_reconcile_report_show_it(db):
    """The outcome of each event is the 'calendly_event_applied' log line and a line of the reconcile report."""
    reported: list[dict] = []

    def report(body: dict, calendly: FakeCalendly | None = None) -> None:
        incoming = inbox.IncomingEvent("calendly", dedupe_key(body), body["event"], json.dumps(body))
        inbox.receive(db, incoming, lambda s, row, env: reported.append(apply_event(s, env, calendly).as_dict()))

    a, b = Invitee("A", T0), Invitee("B", T0 + timedelta(hours=2))
    gone = canceled(b, 9)["payload"]  # Calendly's state of B now: canceled before its create was applied
    report(created(a, 1))
    report(no_show(a, 2, mark=1))
    report(no_show(a, 3, mark=None))
    report(created(b, 4), FakeCalendly({b.uri: gone}))
    moved = Invitee("C", T0 + timedelta(hours=1), old=a.uri)
    report(canceled(a, 5, new=moved))  # the old half of a reschedule: ignored, so no outcome
    report(created(moved, 6))
    report(canceled(moved, 7, by="Ada Stone"))

    assert [(r["action"], r["invitee"], r["detail"]) for r in reported] == [
        ("created", a.uri, "booked on Calendly directly"),
        ("no_show_set", a.uri, ""),
        ("no_show_cleared", a.uri, ""),
        ("created", b.uri, "booked and already canceled on Calendly"),
        ("moved", moved.uri, "now at 2027-01-04T10:00:00+00:00"),
        ("canceled", moved.uri, "by Ada Stone: Clash"),
    ]
    assert [status for status, *_ in final_state(db)["bookings"]] == ["canceled", "canceled"]


def test_the_applied_event_log_line_says_what_the_event_changed(db):
    """What the webhook view's dispatcher logs for each applied event: the operator reads which stored event it
    was and what it did to which booking."""
    a = Invitee("A", T0)
    body = created(a, 1)
    with info_logs() as logs:
        received = inbox.receive(
            db, inbox.IncomingEvent("calendly", dedupe_key(body), body["event"], json.dumps(body)), dispatch
        )
    assert received.status == "processed"
    with db.reader() as session:
        booking = session.scalar(select(Booking.public_id))
    [line] = [line for line in logs if line["event"] == "calendly_event_applied"]
    assert (line["event_id"], line["event_type"], line["outcome"].as_dict()) == (
        received.event_id,
        "invitee.created",
        {"action": "created", "booking": booking, "invitee": a.uri, "detail": "booked on Calendly directly"},
    )


def test_a_cancellation_without_its_canceler_type_is_a_dead_letter_that_names_the_field(db):
    deliver(db, created(Invitee("A", T0), 1))
    broken = canceled(Invitee("A", T0), 5)
    del broken["payload"]["cancellation"]["canceler_type"]
    assert deliver(db, broken) == "dead"
    with db.reader() as session:
        last_error = session.scalar(select(inbox.WebhookEvent.last_error).where(inbox.WebhookEvent.status == "dead"))
    assert last_error.endswith("payload.cancellation.canceler_type is required (a non-empty string)")


def test_a_parked_event_ignored_when_retried_shows_why_it_was_ignored(db):
    a = Invitee("A", T0)
    assert deliver(db, no_show(a, 3, mark=None)) == "retry"  # an old removal, before the booking is known
    deliver(db, created(a, 1))
    deliver(db, no_show(a, 5, mark=1))  # the newer mark
    retry_parked(db)
    with db.reader() as session:
        row = session.scalar(
            select(inbox.WebhookEvent).where(inbox.WebhookEvent.event_type == "invitee_no_show.deleted")
        )
    assert row.status == "ignored"
    assert row.last_error.startswith("stale: a newer no-show change")  # not the parked event's old error
    assert final_state(db)["bookings"][0][3] is True  # still marked no-show


def test_a_create_whose_booking_reference_is_unknown_here_is_booked_from_calendlys_data(db):
    """utm_content names a booking this app does not have (made elsewhere, or never committed): after waiting
    for a booking of that reference that may be committing, the invitee is booked as made on Calendly."""
    stranger = Invitee("A", T0, tracking={"utm_content": "ref-not-here"})
    assert deliver(db, created(stranger, 1)) == "processed"
    state = final_state(db)
    assert [(status, start, uri) for status, start, uri, *_ in state["bookings"]] == [("confirmed", T0, stranger.uri)]
    assert state["unsettled"] == {}


def test_a_reschedule_to_the_same_start_for_longer_moves_the_end_and_holds_the_extra_time(db):
    """The builder lengthened the session on Calendly and the invitee rescheduled to the same start: the booking
    now ends an hour after it starts and the extra half hour is held, not offered to anyone else."""
    a = Invitee("A", T0)
    b = Invitee("B", T0, old=a.uri)
    longer = created(b, 3)
    longer["payload"]["scheduled_event"]["end_time"] = iso(T0 + timedelta(hours=1))
    assert [deliver(db, body) for body in (created(a, 1), canceled(a, 2, new=b), longer)] == [
        "processed",
        "ignored",  # the old half of a reschedule: the new half moves the booking
        "processed",
    ]
    with db.reader() as session:
        booking = session.scalar(select(Booking))
        assert (booking.status, booking.start_at, booking.end_at) == (
            BookingStatus.CONFIRMED,
            T0,
            T0 + timedelta(hours=1),
        )
        assert booking.calendly_invitee_uri == b.uri
        assert session.scalar(select(func.count()).select_from(SlotClaim)) == len(claim_blocks(T0, booking.end_at))


def test_a_reschedule_onto_another_booking_is_a_dead_letter_that_says_so_and_leaves_the_booking_where_it_was(db):
    """The invitee moved to a time another booking of the builder holds: the operator's dead-letter list says
    which booking could not move and why, and the booking keeps its time."""
    a, other = Invitee("A", T0), Invitee("C", T0 + timedelta(hours=1))
    moved = Invitee("B", T0 + timedelta(hours=1), old=a.uri)
    assert [deliver(db, body) for body in (created(a, 1), created(other, 2), canceled(a, 3, new=moved))] == [
        "processed",
        "processed",
        "ignored",
    ]
    assert deliver(db, created(moved, 4)) == "dead"
    with db.reader() as session:
        booking = session.scalar(select(Booking).where(Booking.calendly_invitee_uri == a.uri))
        last_error = session.scalar(select(inbox.WebhookEvent.last_error).where(inbox.WebhookEvent.status == "dead"))
        assert (booking.status, booking.start_at) == (BookingStatus.CONFIRMED, T0)
    assert last_error.endswith(
        f"rescheduling booking {booking.public_id}: The new time overlaps another booking of this builder."
    )


def test_the_invitee_of_a_booking_made_here_is_reported_as_linked(db):
    a = Invitee("A", T0, tracking={"utm_source": "booking-app", "utm_content": "ref-app-1"})
    app_booking(db, a)
    with db.transaction() as session:  # made here, its invitee.created not yet in
        session.scalar(select(Booking)).calendly_invitee_uri = None
    reported: list[dict] = []
    incoming = inbox.IncomingEvent("calendly", dedupe_key(created(a, 1)), "invitee.created", json.dumps(created(a, 1)))
    inbox.receive(db, incoming, lambda s, row, env: reported.append(apply_event(s, env, None).as_dict()))
    assert reported == [{"action": "linked", "booking": "ref-app-1", "invitee": a.uri, "detail": ""}]
    assert final_state(db)["bookings"][0][2] == a.uri


@pytest.mark.parametrize(
    "cancellation",
    [None, {"canceled_by": "Grace Hopper", "reason": "Clash", "canceler_type": "invitee", "created_at": None}],
    ids=["no cancellation", "cancellation without its time"],
)
def test_a_booking_calendly_canceled_without_saying_when_is_canceled_as_of_its_create(db, cancellation):
    """Calendly says the invitee is canceled but not when: the booking's status time is the invitee.created's
    time (what the operator API shows as status_changed_at), not whenever the late event happened to be applied,
    so the same events end in the same state however late they are processed."""
    a = Invitee("A", T0)
    gone = payload(a, status="canceled", cancellation=cancellation)
    assert deliver(db, created(a, 1), FakeCalendly({a.uri: gone})) == "processed"
    created_at = datetime.fromisoformat(stamp(1).replace("Z", "+00:00"))
    (booking,) = final_state(db)["bookings"]
    assert (booking[0], booking[2], booking[5]) == ("canceled", a.uri, created_at)


def test_a_late_create_books_nothing_when_its_successor_after_the_longest_followed_chain_is_booked_here(db):
    """Calendly's invitee was rescheduled MAX_RESCHEDULE_CHAIN times before its invitee.created was applied, and
    the last successor is booked here already: the old create is ignored with the reason, not booked a second
    time at the old time."""
    chain = [Invitee(f"R{i}", T0 + timedelta(days=i)) for i in range(MAX_RESCHEDULE_CHAIN + 1)]
    for old, new in pairwise(chain):
        new.old = old.uri
    app_booking(db, chain[-1])
    calendly = FakeCalendly(
        {
            old.uri: {"uri": old.uri, "status": "canceled", "rescheduled": True, "new_invitee": new.uri}
            for old, new in pairwise(chain)
        }
    )
    assert deliver(db, created(chain[0], 1), calendly) == "ignored"
    with db.reader() as session:
        assert session.scalar(select(inbox.WebhookEvent.last_error)).endswith(
            f"{chain[0].uri} was rescheduled; booking ref-app-1 holds its successor"
        )
    assert [(status, start) for status, start, *_ in final_state(db)["bookings"]] == [("confirmed", chain[-1].start)]


@pytest.mark.parametrize("dropped", ["absent", "null"])
def test_a_cancel_that_does_not_say_when_it_was_made_is_dated_by_its_event_not_by_when_it_was_applied(db, dropped):
    """Calendly's invitee.canceled carries a cancellation without its created_at: the booking is canceled as of
    the event's own time (its envelope's created_at, what the operator API shows as status_changed_at), not the
    moment the handler happened to run, so a late delivery does not move when the client canceled."""
    a = Invitee("A", T0)
    assert deliver(db, created(a, 1)) == "processed"
    body = canceled(a, 5)
    if dropped == "absent":
        del body["payload"]["cancellation"]["created_at"]
    else:
        body["payload"]["cancellation"]["created_at"] = None
    assert deliver(db, body) == "processed"
    event_time = datetime.fromisoformat(stamp(5).replace("Z", "+00:00"))  # a week before these tests could run
    (booking,) = final_state(db)["bookings"]
    assert (booking[0], booking[2], booking[4], booking[5]) == ("canceled", a.uri, "Grace Hopper", event_time)
