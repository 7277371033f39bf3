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

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app_under_test.db import Database
from app_under_test.models import OutboxMessage
from app_under_test.timeutil import utcnow

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
                timedelta(hours=4), timedelta(hours=12))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=2)
SENDABLE = ("pending", "retry")
NEW_ROWS = "mail.outbox.new_ids"  # session.info key: rows this transaction queued, sent after it commits


def idempotency_key(kind: str, booking_ref: str, role: str, revision: str | None = None) -> str:
    return ":".join(part for part in (kind, booking_ref, role, revision) if part)


def enqueue(session: Session, *, key: str, kind: str, recipient: str, template_id: str, data: dict,
            booking_id: int | None) -> int | None:
    """Queue one mail; returns its row id, or None (changing nothing) when its key is queued already.

    ``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): a concurrent twin waits for the
    other transaction and then does nothing, without a savepoint and without failing the caller's
    transaction, whatever else it has written.
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(OutboxMessage)
                 .values(idempotency_key=key, kind=kind, booking_id=booking_id, recipient=recipient,
                         template_id=template_id, data=data, status="pending", attempts=0, created_at=utcnow())
                 .on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
                 .returning(OutboxMessage.id))
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        session.info.setdefault(NEW_ROWS, []).append(new_id)
    return new_id


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed try, or None when the mail is out of tries."""
    return RETRY_DELAYS[attempts - 1] if 1 <= attempts < MAX_ATTEMPTS else None


def due_ids(session: Session, now: datetime) -> list[int]:
    statement = (select(OutboxMessage.id)
                 .where(OutboxMessage.status.in_(SENDABLE),
                        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
                 .order_by(OutboxMessage.id))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class Claimed:
    """A snapshot of a claimed row: everything a send needs, readable after its transaction closed."""

    id: int
    kind: str
    recipient: str
    template_id: str
    data: dict
    attempts: int


def claim(db: Database, message_id: int, now: datetime) -> Claimed | None:
    with db.transaction() as session:
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(SENDABLE),
                   or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            return None
        row = session.get(OutboxMessage, message_id)
        return Claimed(row.id, row.kind, row.recipient, row.template_id, dict(row.data), row.attempts)


def record(db: Database, message_id: int, *, outcome: str, now: datetime, message_id_header: str | None = None,
           error: str | None = None, not_before: datetime | None = None, template_id: str | None = None) -> str:
    """Write one attempt's outcome (sent, retry or dead); returns the row's new status."""
    with db.transaction() as session:
        row = session.get(OutboxMessage, message_id)
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
