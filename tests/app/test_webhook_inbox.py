"""The inbox's receive path (what the webhook view uses): stored once, applied once, failures kept durable.

``receive`` stores a new event and runs its handler in one transaction; a
handler failure rolls the handler's writes back and still stores the event (as
retry, or dead for ``Unprocessable``); a copy of a stored event is a duplicate,
also when twenty copies arrive at the same moment.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import structlog
from sqlalchemy import delete, func, select
from structlog.testing import capture_logs

from app_under_test.db import Database
from app_under_test.event_outcomes import Ignore, Unprocessable
from app_under_test.models import Pathway, WebhookEvent
from app_under_test.webhooks import inbox
from harness.concurrency import all_at_once

pytestmark = [pytest.mark.database, pytest.mark.webhook]


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


def incoming(key: str = "test:evt_1") -> inbox.IncomingEvent:
    return inbox.IncomingEvent("calendly", key, "invitee.created", '{"event": "invitee.created"}')


def writes_a_pathway(session, row, envelope) -> None:
    session.add(Pathway(slug=f"p-{row.dedupe_key.split(':')[-1]}", name="written by the handler"))


def counts(db: Database) -> tuple[int, int]:
    with db.reader() as session:
        return (
            session.scalar(select(func.count()).select_from(WebhookEvent)),
            session.scalar(select(func.count()).select_from(Pathway)),
        )


def row_of(db: Database) -> WebhookEvent:
    with db.reader() as session:
        return session.scalar(select(WebhookEvent))


def test_a_new_event_is_stored_and_applied_together(db):
    received = inbox.receive(db, incoming(), writes_a_pathway)
    assert (received.duplicate, received.status) == (False, "processed")
    assert counts(db) == (1, 1)
    row = row_of(db)
    assert (row.status, row.attempts, row.id) == ("processed", 1, received.event_id) and row.processed_at


def test_a_second_copy_is_a_duplicate_and_runs_nothing(db):
    inbox.receive(db, incoming(), writes_a_pathway)
    received = inbox.receive(db, incoming(), writes_a_pathway)
    assert received.duplicate and received.event_id is None
    assert counts(db) == (1, 1)


def test_a_failing_handler_leaves_no_writes_but_the_event_is_stored_for_a_retry(db):
    def fails(session, row, envelope):
        writes_a_pathway(session, row, envelope)
        session.flush()
        raise RuntimeError("calendar down")

    received = inbox.receive(db, incoming(), fails)
    assert received.status == "retry"
    assert counts(db) == (1, 0)
    row = row_of(db)
    assert "calendar down" in row.last_error and row.attempts == 1
    assert timedelta(seconds=25) < row.next_attempt_at - row.received_at <= inbox.RETRY_DELAYS[0]
    assert inbox.receive(db, incoming(), writes_a_pathway).duplicate  # the stored event still dedupes


def test_unprocessable_is_a_dead_letter_at_once_and_ignore_is_recorded(db):
    def unprocessable(session, row, envelope):
        raise Unprocessable("payload.email is required")

    def ignore(session, row, envelope):
        raise Ignore("nothing to do")

    assert inbox.receive(db, incoming("a:1"), unprocessable).status == "dead"
    assert inbox.receive(db, incoming("a:2"), ignore).status == "ignored"
    with db.reader() as session:
        rows = {r.dedupe_key: r for r in session.scalars(select(WebhookEvent))}
    assert (rows["a:1"].attempts, rows["a:1"].next_attempt_at) == (1, None)
    assert "payload.email is required" in rows["a:1"].last_error
    assert rows["a:2"].last_error == "nothing to do"


def test_a_replayed_dead_letter_runs_again_from_scratch(db):
    def unprocessable(session, row, envelope):
        raise Unprocessable("broken")

    received = inbox.receive(db, incoming(), unprocessable)
    assert inbox.replay(db, received.event_id, writes_a_pathway) == "processed"
    assert counts(db) == (1, 1)


@pytest.mark.concurrency
def test_twenty_copies_at_once_store_one_event_and_apply_it_once(db):
    runs: list[int] = []
    lock = threading.Lock()

    def counted(session, row, envelope):
        with lock:
            runs.append(row.id)
        writes_a_pathway(session, row, envelope)

    results = all_at_once(lambda _: inbox.receive(db, incoming(), counted), 20, timeout=60)
    assert len(results) == 20
    assert sorted(r.duplicate for r in results) == [False] + [True] * 19
    assert len(runs) == 1 and counts(db) == (1, 1)


def test_a_failed_attempt_is_logged_for_the_operator_with_its_attempt_and_error(db):
    def fails(session, row, envelope) -> None:
        raise RuntimeError("the calendar answered 500")

    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with capture_logs() as logs:
            assert inbox.receive(db, incoming(), fails).status == "retry"
    finally:
        structlog.configure(**saved)
    [line] = [line for line in logs if line["log_level"] == "warning"]
    assert line["event"] == "webhook_processing_failed"  # what the operator's alert matches on
    assert (line["provider"], line["event_type"], line["attempts"], line["status"]) == (
        "calendly",
        "invitee.created",
        1,
        "retry",
    )
    assert line["error"] == "RuntimeError: the calendar answered 500"


def test_a_replayed_letter_that_fails_again_waits_for_its_retry_and_one_that_succeeds_records_when(db):
    def unprocessable(session, row, envelope):
        raise Unprocessable("broken")

    def still_failing(session, row, envelope):
        raise RuntimeError("the calendar answered 500")

    first = inbox.receive(db, incoming("r:1"), unprocessable)
    assert inbox.replay(db, first.event_id, still_failing) == "retry"
    with db.reader() as session:
        row = session.get(WebhookEvent, first.event_id)
        assert row.attempts == 1 and row.next_attempt_at > row.received_at  # back on the retry schedule

    second = inbox.receive(db, incoming("r:2"), unprocessable)
    assert inbox.replay(db, second.event_id, writes_a_pathway) == "processed"
    with db.reader() as session:
        assert session.get(WebhookEvent, second.event_id).processed_at is not None


def test_a_retry_waits_for_its_time_and_then_runs(db):
    def fails(session, row, envelope):
        raise RuntimeError("calendar down")

    assert inbox.receive(db, incoming(), fails).status == "retry"
    waiting = row_of(db)
    dispatchers = {"calendly": writes_a_pathway}
    assert inbox.process_due(db, dispatchers, now=waiting.next_attempt_at - timedelta(seconds=1)) == {}
    assert row_of(db).status == "retry" and counts(db) == (1, 0)
    assert inbox.process_due(db, dispatchers, now=waiting.next_attempt_at) == {"processed": 1}
    assert row_of(db).status == "processed" and counts(db) == (1, 1)
    assert row_of(db).processed_at == waiting.next_attempt_at  # the drain's clock, not the wall clock


def test_a_retried_event_its_handler_now_finds_unprocessable_goes_to_the_dead_letters_with_the_reason(db):
    def fails(session, row, envelope):
        raise RuntimeError("calendar down")

    def unprocessable(session, row, envelope):
        raise Unprocessable("payload.email is required")

    assert inbox.receive(db, incoming(), fails).status == "retry"
    due = row_of(db).next_attempt_at

    assert inbox.process_due(db, {"calendly": unprocessable}, now=due) == {"dead": 1}
    dead = row_of(db)
    assert (dead.status, dead.attempts, dead.next_attempt_at) == ("dead", 2, None)
    assert dead.last_error.endswith("Unprocessable: payload.email is required")


@pytest.mark.concurrency
def test_twenty_copies_at_once_whose_handler_fails_store_one_retry_and_answer_the_rest_as_duplicates(db):
    def fails(session, row, envelope):
        raise RuntimeError("calendar down")

    results = all_at_once(lambda _: inbox.receive(db, incoming(), fails), 20, timeout=60)
    stored = [r for r in results if not r.duplicate]
    assert len(stored) == 1 and stored[0].status == "retry"
    assert all(r.event_id is None and r.status is None for r in results if r.duplicate)
    assert counts(db) == (1, 0) and row_of(db).status == "retry"


def test_an_event_deleted_before_its_turn_in_the_drain_is_counted_as_missing_and_the_rest_still_run(db):
    """An operator purges a stored event by hand while the drain runs (after it listed the due events, before that
    event's turn): the drain's report counts it as missing, nothing runs for it, and the other events still run."""
    first = inbox.store(db, incoming("m:1")).event_id
    second = inbox.store(db, incoming("m:2")).event_id
    assert first is not None and second is not None

    def applies_while_the_second_is_purged(session, row, envelope) -> None:
        writes_a_pathway(session, row, envelope)
        if row.id == first:
            session.execute(delete(WebhookEvent).where(WebhookEvent.id == second))

    assert inbox.process_due(db, {"calendly": applies_while_the_second_is_purged}) == {"processed": 1, "missing": 1}
    assert counts(db) == (1, 1)  # only the first event's handler wrote


def test_replaying_an_event_purged_since_the_operator_listed_it_answers_missing_and_runs_nothing(db):
    """The operator picked the event from the webhook list, then it was purged by hand before the replay ran: the
    replay answers "missing" (the word the drain's report uses too), and no handler runs."""
    stored = inbox.store(db, incoming("p:1")).event_id
    assert stored is not None
    with db.transaction() as session:
        session.execute(delete(WebhookEvent).where(WebhookEvent.id == stored))

    assert inbox.replay(db, stored, writes_a_pathway) == "missing"
    assert counts(db) == (0, 0)
