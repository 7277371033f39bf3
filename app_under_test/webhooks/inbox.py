"""The durable webhook inbox.

``store`` inserts a verified event under its dedupe key in its own transaction:
the provider is acknowledged only after that commit, and a second copy of the
same event (a duplicate delivery, even twenty at once) hits the unique key and
is acknowledged without being processed again.

``process`` runs the event's handler in a separate transaction. A handler that
raises leaves no partial writes (its transaction rolls back); the row is then
marked for retry with backoff, and after ``MAX_ATTEMPTS`` it becomes a dead
letter that an operator can list and replay. ``Unprocessable`` is dead at once.

``receive`` is the webhook view's path: ``store`` and a first ``process`` with
the same outcome, but one transaction (and one commit) when the handler
succeeds, which is what keeps ingestion cheap (see docs/calendly.md, benchmark).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app_under_test.db import Database
from app_under_test.event_outcomes import Ignore, Unprocessable
from app_under_test.models import WebhookEvent
from app_under_test.timeutil import utcnow

log = structlog.get_logger("webhooks")

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Declarative types a mapped class's __table__ as any FROM clause; this one is the table it was declared with.
_EVENTS = cast(Table, WebhookEvent.__table__)
_INSERT_PROCESSED = insert(_EVENTS).returning(_EVENTS.c.id)

# A handler receives the open transaction, the event row and the payload as json.loads gives it (an object for
# Calendly and Stripe, a list for SendGrid); each handler checks the shape it expects.
Handler = Callable[[Session, WebhookEvent, Any], None]


@dataclass(frozen=True)
class IncomingEvent:
    provider: str
    dedupe_key: str
    event_type: str
    raw_body: str


@dataclass(frozen=True)
class StoreResult:
    event_id: int | None
    duplicate: bool


def store(db: Database, incoming: IncomingEvent) -> StoreResult:
    """Insert the event; a duplicate dedupe key means it was stored (and handled) before."""
    try:
        with db.transaction() as session:
            row = WebhookEvent(
                provider=incoming.provider,
                dedupe_key=incoming.dedupe_key,
                event_type=incoming.event_type,
                payload=incoming.raw_body,
                status="received",
            )
            session.add(row)
            session.flush()
            return StoreResult(row.id, duplicate=False)
    except IntegrityError:
        return StoreResult(None, duplicate=True)


@dataclass(frozen=True)
class Received:
    event_id: int | None
    duplicate: bool
    status: str | None  # processed | ignored | retry | dead (None for a duplicate)


class _HandlerFailed(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def receive(db: Database, incoming: IncomingEvent, dispatch: Handler, *, now: datetime | None = None) -> Received:
    """``store`` then ``process`` for a new event, in one transaction when the handler succeeds.

    The webhook view's fast path. The row is inserted first (as processed), so a concurrent copy waits
    on the unique key until this commits and then answers duplicate: no copy is acknowledged before
    the original is applied. If the handler fails, everything rolls back and the row is stored on its
    own as retry or dead (exactly what ``store`` + ``process`` would have left). Either way the event
    is durable when this returns; a database failure storing it raises, for the view to answer 5xx.
    """
    now = now or utcnow()
    try:
        with db.transaction() as session:
            values = {
                "provider": incoming.provider,
                "dedupe_key": incoming.dedupe_key,
                "event_type": incoming.event_type,
                "payload": incoming.raw_body,
                "status": "processed",
                "attempts": 1,
                "processed_at": now,
                "received_at": utcnow(),
            }
            # A Core INSERT (one statement, compiled once): the hot path needs the id, not a unit of work.
            event_id = session.execute(_INSERT_PROCESSED, values).scalar_one()
            row = WebhookEvent(id=event_id, **values)  # what handlers read; not added to the session
            try:
                dispatch(session, row, json.loads(incoming.raw_body))
            except Ignore as reason:
                row.status, row.last_error = "ignored", str(reason)
                session.execute(
                    update(_EVENTS).where(_EVENTS.c.id == event_id).values(status=row.status, last_error=row.last_error)
                )
            except Exception as exc:
                raise _HandlerFailed(exc) from exc
            return Received(event_id, duplicate=False, status=row.status)
    except IntegrityError:
        return Received(None, duplicate=True, status=None)
    except _HandlerFailed as failed:
        return _store_failed(db, incoming, failed.cause, now)


def _store_failed(db: Database, incoming: IncomingEvent, exc: Exception, now: datetime) -> Received:
    try:
        with db.transaction() as session:
            row = WebhookEvent(
                provider=incoming.provider,
                dedupe_key=incoming.dedupe_key,
                event_type=incoming.event_type,
                payload=incoming.raw_body,
                attempts=1,
            )
            _mark_failed(row, exc, now, dead=isinstance(exc, Unprocessable))
            session.add(row)
            session.flush()
            _log_failure(row)
            return Received(row.id, duplicate=False, status=row.status)
    except IntegrityError:  # a concurrent copy was stored meanwhile
        return Received(None, duplicate=True, status=None)


def _mark_failed(row: WebhookEvent, exc: Exception, now: datetime, *, dead: bool = False) -> None:
    row.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    if dead or row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = "dead", None
    else:
        row.status, row.next_attempt_at = "retry", now + RETRY_DELAYS[row.attempts - 1]


def _log_failure(row: WebhookEvent) -> None:
    log.warning(
        "webhook_processing_failed",
        provider=row.provider,
        event_type=row.event_type,
        event_id=row.id,
        attempts=row.attempts,
        status=row.status,
        error=row.last_error,
    )


def _claim(session: Session, event_id: int) -> WebhookEvent | None:
    statement = select(WebhookEvent).where(WebhookEvent.id == event_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalar(statement)


def process(db: Database, event_id: int, dispatch: Handler, *, now: datetime | None = None) -> str:
    """Run the handler once; returns the row's new status (processed, ignored, retry, dead)."""
    now = now or utcnow()
    try:
        with db.transaction() as session:
            row = _claim(session, event_id)
            if row is None or row.status in ("processed", "ignored", "dead"):
                return row.status if row else "missing"
            row.attempts += 1
            try:
                dispatch(session, row, json.loads(row.payload))
                row.status = "processed"
            except Ignore as reason:
                row.status = "ignored"
                row.last_error = str(reason)
            row.processed_at = now
            row.next_attempt_at = None
            return row.status
    except Unprocessable as exc:  # retrying cannot help: straight to the dead letters, with the reason
        return _record_failure(db, event_id, exc, now, dead=True)
    except Exception as exc:  # noqa: BLE001 (the handler's writes are rolled back; the failure is recorded separately)
        return _record_failure(db, event_id, exc, now)


def _record_failure(db: Database, event_id: int, exc: Exception, now: datetime, *, dead: bool = False) -> str:
    with db.transaction() as session:
        row = _claim(session, event_id)
        if row is None:
            raise LookupError(f"webhook event {event_id} failed and is no longer stored")
        row.attempts += 1
        _mark_failed(row, exc, now, dead=dead)
        _log_failure(row)
        return row.status


def process_due(db: Database, dispatchers: dict[str, Handler], *, now: datetime | None = None) -> dict[str, int]:
    """Process every stored event whose retry is due (and any left 'received' by a crash)."""
    now = now or utcnow()
    with db.reader() as session:
        due = session.execute(
            select(WebhookEvent.id, WebhookEvent.provider)
            .where(
                ((WebhookEvent.status == "retry") & (WebhookEvent.next_attempt_at <= now))
                | (WebhookEvent.status == "received")
            )
            .order_by(WebhookEvent.id)
        ).all()
    outcomes: dict[str, int] = {}
    for event_id, provider in due:
        status = process(db, event_id, dispatchers[provider], now=now)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


def replay(db: Database, event_id: int, dispatch: Handler) -> str:
    """Give a dead (or ignored) letter a fresh start and process it now."""
    with db.transaction() as session:
        row = _claim(session, event_id)
        if row is None:
            return "missing"
        row.status, row.attempts, row.next_attempt_at = "received", 0, None
    return process(db, event_id, dispatch)
