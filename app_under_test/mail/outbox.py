"""The mail outbox: one row per mail, keyed so that the same mail is never queued twice.

``enqueue`` runs inside the caller's transaction, so a mail exists if and only
if the change that caused it commits. Its idempotency key names the booking,
the kind, the recipient's role and, where one booking can cause the same kind
again, a revision (the payment, the refund, the new time): a replayed webhook
computes the same key and finds the row already there.

Sending is split into short transactions around the HTTP call: ``claim``
takes a row by moving its ``next_attempt_at`` forward by a lease (a
conditional UPDATE, so two senders never both take it, and a sender that dies
mid-send only delays the row by the lease), and ``record`` writes the outcome:
sent, retry with backoff, or dead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Table, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app_under_test.db import Database
from app_under_test.models import OutboxMessage
from app_under_test.timeutil import utcnow

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=2)
SENDABLE = ("pending", "retry")
NEW_ROWS = "mail.outbox.new_ids"  # session.info key: rows this transaction queued, sent after it commits


def idempotency_key(kind: str, booking_ref: str, role: str, revision: str | None = None) -> str:
    return ":".join(part for part in (kind, booking_ref, role, revision) if part)


@dataclass(frozen=True)
class Mail:
    """One mail to queue: its idempotency key, kind, recipient, template and template data."""

    key: str
    kind: str
    recipient: str
    template_id: str
    data: dict[str, Any]
    booking_id: int | None


# Declarative types a mapped class's __table__ as any FROM clause; this one is the table it was declared with.
_MESSAGES = cast(Table, OutboxMessage.__table__)
_INSERTS: dict[str, Executable] = {}  # one statement per dialect, built once, so its compiled form is cached


def _insert_statement(dialect: str) -> Executable:
    statement = _INSERTS.get(dialect)
    if statement is None:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(_MESSAGES)
            .on_conflict_do_nothing(index_elements=[_MESSAGES.c.idempotency_key])
            .returning(_MESSAGES.c.id)
        )
        _INSERTS[dialect] = statement
    return statement


def enqueue_many(session: Session, mails: list[Mail]) -> list[int]:
    """Queue mails in one statement; returns the ids of the rows it added (a key queued already adds none).

    ``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): a concurrent twin waits for the
    other transaction and then does nothing, without a savepoint and without failing the caller's
    transaction, whatever else it has written. The mails of one change (a confirmation to the client
    and the builder, the receipt) share one round trip.
    """
    if not mails:
        return []
    now = utcnow()
    rows = [
        {
            "idempotency_key": m.key,
            "kind": m.kind,
            "booking_id": m.booking_id,
            "recipient": m.recipient,
            "template_id": m.template_id,
            "data": m.data,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for m in mails
    ]
    statement = _insert_statement(session.get_bind().dialect.name)
    new_ids = list(session.execute(statement, rows if len(rows) > 1 else rows[0]).scalars())
    session.info.setdefault(NEW_ROWS, []).extend(new_ids)
    return new_ids


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    template_id: str,
    data: dict[str, Any],
    booking_id: int | None,
) -> int | None:
    """Queue one mail; returns its row id, or None (changing nothing) when its key is queued already."""
    new_ids = enqueue_many(session, [Mail(key, kind, recipient, template_id, data, booking_id)])
    return new_ids[0] if new_ids else None


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed try, or None when the mail is out of tries."""
    return RETRY_DELAYS[attempts - 1] if 1 <= attempts < MAX_ATTEMPTS else None


def due_ids(session: Session, now: datetime) -> list[int]:
    statement = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_(SENDABLE),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True)
class Claimed:
    """A snapshot of a claimed row: everything a send needs, readable after its transaction closed."""

    id: int
    kind: str
    recipient: str
    template_id: str
    data: dict[str, Any]
    attempts: int


def claim(db: Database, message_id: int, now: datetime) -> Claimed | None:
    with db.transaction() as session:
        taken = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_(SENDABLE),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], taken).rowcount != 1:  # an UPDATE's result is a CursorResult
            return None
        row = session.get_one(OutboxMessage, message_id)
        return Claimed(row.id, row.kind, row.recipient, row.template_id, dict(row.data), row.attempts)


def record(
    db: Database,
    message_id: int,
    *,
    outcome: str,
    now: datetime,
    message_id_header: str | None = None,
    error: str | None = None,
    not_before: datetime | None = None,
    template_id: str | None = None,
) -> str:
    """Write one attempt's outcome (sent, retry or dead); returns the row's new status."""
    with db.transaction() as session:
        # Locked: SendGrid may report a bounce for this very mail (marking it dead) before its send is
        # recorded here; read without the lock, "sent" would be written over "dead".
        row = session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None or row.status not in SENDABLE:
            return row.status if row else "missing"
        row.attempts += 1
        if template_id:
            row.template_id = template_id
        if outcome == "sent":
            row.status, row.sent_at, row.next_attempt_at = "sent", now, None
            row.provider_message_id, row.last_error = message_id_header, None
            return row.status
        row.last_error = (error or "")[:2000]
        delay = retry_delay(row.attempts) if outcome == "retry" else None
        if delay is None:
            row.status, row.next_attempt_at = "dead", None
        else:
            row.status = "retry"
            row.next_attempt_at = max(now + delay, not_before) if not_before else now + delay
        return row.status


def requeue(session: Session, message_id: int) -> OutboxMessage | None:
    """An operator gives a dead letter a fresh start (after fixing the key, the template...)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return None
    if row.status in ("dead", "retry"):
        row.status, row.attempts, row.next_attempt_at, row.last_error = "pending", 0, None, None
    return row
