"""The outbox on SQLite and PostgreSQL: one row per key, claims are exclusive, backoff ends in a dead letter."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, func, select, text

from app_under_test.db import Database
from app_under_test.mail import outbox
from app_under_test.models import Client, OutboxMessage
from harness.waiting import wait_until

pytestmark = [pytest.mark.database, pytest.mark.email]
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def database(db_url):
    db = Database(db_url)
    yield db
    db.dispose()


def queue(db: Database, key: str = "confirmation:bk1:client") -> int | None:
    with db.transaction() as session:
        return outbox.enqueue(
            session,
            key=key,
            kind="confirmation",
            recipient="grace@example.com",
            template_id="d-" + "0" * 32,
            data={"client_name": "Grace"},
            booking_id=None,
        )


def row_of(db: Database, message_id: int) -> OutboxMessage:
    with db.reader() as session:
        return session.get(OutboxMessage, message_id)


def test_a_second_enqueue_of_the_same_key_is_a_no_op(database):
    """No savepoint is needed: a savepoint's release would fire other after-commit hooks too early."""
    first = queue(database)

    assert first is not None
    assert queue(database) is None
    with database.reader() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_duplicate_does_not_undo_the_callers_other_writes(database):
    queue(database)
    with database.transaction() as session:
        session.add(Client(email="bystander@example.com", name="Written before the duplicate"))
        assert (
            outbox.enqueue(
                session,
                key="confirmation:bk1:client",
                kind="confirmation",
                recipient="x@example.com",
                template_id="",
                data={},
                booking_id=None,
            )
            is None
        )
        other = outbox.enqueue(
            session,
            key="confirmation:bk1:builder",
            kind="confirmation",
            recipient="ada@example.com",
            template_id="",
            data={},
            booking_id=None,
        )
        assert session.info[outbox.NEW_ROWS] == [other]
    with database.reader() as session:
        assert sorted(session.scalars(select(OutboxMessage.recipient))) == ["ada@example.com", "grace@example.com"]
        assert session.scalar(select(Client.name)) == "Written before the duplicate"


def test_queueing_fires_no_after_commit_hook_before_the_commit(database):
    fired: list[str] = []
    with database.transaction() as session:
        event.listen(session, "after_commit", lambda _s: fired.append("commit"))
        outbox.enqueue(
            session,
            key="confirmation:bk2:client",
            kind="confirmation",
            recipient="g@example.com",
            template_id="",
            data={},
            booking_id=None,
        )
        outbox.enqueue(
            session,
            key="confirmation:bk2:client",
            kind="confirmation",
            recipient="g@example.com",
            template_id="",
            data={},
            booking_id=None,
        )
        assert fired == []
    assert fired == ["commit"]


def test_concurrent_enqueues_of_one_key_make_one_row(database):
    barrier = threading.Barrier(8)
    results: list[int | None] = []

    def racer() -> None:
        barrier.wait(timeout=30)
        results.append(queue(database, "cancellation:bk9:client"))

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len([r for r in results if r is not None]) == 1, results


def test_a_claim_is_exclusive_until_its_lease_runs_out(database):
    message_id = queue(database)

    assert outbox.claim(database, message_id, NOW) is not None
    assert outbox.claim(database, message_id, NOW + timedelta(seconds=30)) is None
    assert outbox.claim(database, message_id, NOW + outbox.LEASE) is not None  # the first sender died


def test_the_backoff_schedule_ends_in_a_dead_letter(database):
    message_id = queue(database)
    now, waits = NOW, []
    while True:
        assert outbox.claim(database, message_id, now) is not None
        status = outbox.record(database, message_id, outcome="retry", now=now, error="SendGrid answered 503")
        row = row_of(database, message_id)
        if status == "dead":
            break
        waits.append(row.next_attempt_at - now)
        assert outbox.claim(database, message_id, row.next_attempt_at - timedelta(seconds=1)) is None  # not yet due
        now = row.next_attempt_at

    assert waits == list(outbox.RETRY_DELAYS)
    assert row.attempts == outbox.MAX_ATTEMPTS and row.next_attempt_at is None
    assert row.last_error == "SendGrid answered 503"
    with database.reader() as session:
        assert outbox.due_ids(session, now + timedelta(days=30)) == []


def test_a_dead_outcome_is_final_at_once_and_an_operator_can_requeue_it(database):
    message_id = queue(database)
    outbox.claim(database, message_id, NOW)

    assert outbox.record(database, message_id, outcome="dead", now=NOW, error="SendGrid rejected the API key") == "dead"
    assert row_of(database, message_id).attempts == 1
    with database.transaction() as session:
        outbox.requeue(session, message_id)
    row = row_of(database, message_id)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("pending", 0, None, None)


def test_a_rate_limit_reset_is_the_earliest_next_try(database):
    message_id = queue(database)
    outbox.claim(database, message_id, NOW)
    reset = NOW + timedelta(minutes=10)

    outbox.record(database, message_id, outcome="retry", now=NOW, error="429", not_before=reset)
    assert row_of(database, message_id).next_attempt_at == reset


def test_a_sent_row_is_not_sent_again(database):
    message_id = queue(database)
    outbox.claim(database, message_id, NOW)
    outbox.record(database, message_id, outcome="sent", now=NOW, message_id_header="msg-1")

    assert outbox.claim(database, message_id, NOW + timedelta(days=1)) is None
    assert outbox.record(database, message_id, outcome="retry", now=NOW) == "sent"
    row = row_of(database, message_id)
    assert (row.status, row.provider_message_id, row.sent_at) == ("sent", "msg-1", NOW)


def test_a_mail_deleted_by_hand_while_it_was_being_sent_is_reported_missing(database):
    """An operator deletes a queued mail by hand after the sender claimed it, before its outcome is recorded:
    the send's report counts it as missing (the word the webhook drain's report uses too), nothing is rewritten."""
    message_id = queue(database)
    assert outbox.claim(database, message_id, NOW) is not None
    with database.transaction() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))

    assert outbox.record(database, message_id, outcome="sent", now=NOW, message_id_header="msg-1") == "missing"
    assert row_of(database, message_id) is None


def test_a_mail_is_due_from_its_retry_time_on_and_dead_letters_never(database):
    ids = [queue(database, f"confirmation:bk{n}:client") for n in range(5)]
    with database.transaction() as session:
        rows = [session.get(OutboxMessage, i) for i in ids]
        rows[0].status, rows[0].next_attempt_at = "retry", NOW  # due exactly now
        rows[1].status, rows[1].next_attempt_at = "retry", NOW + timedelta(seconds=1)  # not yet
        rows[2].status = "dead"
        rows[3].status = "sent"
        # rows[4] is pending with no retry time: due
    with database.reader() as session:
        assert outbox.due_ids(session, NOW) == [ids[0], ids[4]]
        assert outbox.due_ids(session, NOW + timedelta(seconds=1)) == [ids[0], ids[1], ids[4]]


def test_an_operator_requeues_a_dead_or_retrying_mail_from_scratch_and_leaves_a_sent_one(database):
    ids = [queue(database, f"confirmation:bk{n}:client") for n in range(3)]
    with database.transaction() as session:
        for message_id, status in zip(ids, ("dead", "retry", "sent"), strict=True):
            row = session.get(OutboxMessage, message_id)
            row.status, row.attempts, row.next_attempt_at, row.last_error = status, 4, NOW, "SendGrid answered 500"
    with database.transaction() as session:
        states = [
            (r.status, r.attempts, r.next_attempt_at, r.last_error) for r in (outbox.requeue(session, i) for i in ids)
        ]
    assert states[:2] == [("pending", 0, None, None), ("pending", 0, None, None)]
    assert states[2][0] == "sent" and states[2][1] == 4
    with database.transaction() as session:
        assert outbox.requeue(session, 10**6) is None


def sender_waits_for_a_lock(database):
    """A check of pg_stat_activity in a transaction of its own each time: within one transaction
    PostgreSQL answers from the snapshot it took at the first read, and would never see the wait begin."""

    def check() -> int:
        with database.reader() as watcher:
            return watcher.scalar(
                text(
                    "select count(*) from pg_stat_activity"
                    " where wait_event_type = 'Lock' and datname = current_database()"
                )
            )

    return check


@pytest.mark.postgresql_only(reason="SQLite has one writer at a time: the two transactions cannot overlap")
def test_a_bounce_reported_while_the_send_is_being_recorded_stays_dead(database):
    """SendGrid can report a bounce (the mail marked dead) before the sender has recorded "sent"."""
    message_id = queue(database)
    bounce = database.sessions()
    with bounce.begin():  # the webhook's transaction: the row is marked dead, not yet committed
        row = bounce.get(OutboxMessage, message_id)
        row.status, row.last_error = "dead", "SendGrid reported a bounce"
        bounce.flush()
        with ThreadPoolExecutor(1) as pool:
            recorded = pool.submit(outbox.record, database, message_id, outcome="sent", now=NOW)
            try:
                wait_until(sender_waits_for_a_lock(database), what="the sender to wait for the webhook's row lock")
            finally:
                bounce.commit()  # whatever happened: a sender left waiting on this lock would never return
            assert recorded.result(timeout=30) == "dead"
    bounce.close()
    assert (row_of(database, message_id).status, row_of(database, message_id).attempts) == ("dead", 0)
