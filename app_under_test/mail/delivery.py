"""When queued mail is sent: right after the transaction that queued it commits, and on a schedule.

``install_commit_hook`` listens to the app's sessions: a commit that queued
outbox rows sends them at once, in the committing thread, under a short time
budget, and swallows every failure (the booking is already committed; a row
that could not be sent stays due for ``send_due``). ``send_due`` is what cron
(``booking-app mail send-due``) and the operator API run to retry.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

import structlog
from sendgrid import SendGridAPIClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.mail import kinds, outbox, sender
from app_under_test.timeutil import utcnow

CONFIG_KEY = "booking_config"  # session.info key: the app's Config, for code that only has a session
AFTER_COMMIT_BUDGET_SECONDS = 10.0

log = structlog.get_logger("mail")


def install_commit_hook(db: Database, config: Config) -> None:
    db.session_info[CONFIG_KEY] = config

    @event.listens_for(db.sessions, "after_commit")
    def _send_after_commit(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            return  # a savepoint was released; the rows are not committed until the outer transaction is
        new_ids = session.info.pop(outbox.NEW_ROWS, None)
        if new_ids:
            send_now(db, config, new_ids)

    @event.listens_for(db.sessions, "after_rollback")
    def _forget_after_rollback(session: Session) -> None:
        session.info.pop(outbox.NEW_ROWS, None)


def send_now(db: Database, config: Config, ids: Iterable[int]) -> dict[str, int]:
    """Best effort, never raises: the caller's work is done whatever happens here."""
    try:
        return send_rows(db, config, list(ids), now=utcnow(), budget_seconds=AFTER_COMMIT_BUDGET_SECONDS)
    except Exception as exc:  # noqa: BLE001 (a mail problem must never reach the request)
        log.warning("mail_send_after_commit_failed", error=f"{type(exc).__name__}: {exc}")
        return {"error": 1}


def send_rows(
    db: Database, config: Config, ids: list[int], *, now: datetime, budget_seconds: float | None = None
) -> dict[str, int]:
    """Claim and send each row that is due; returns how many ended sent, retry, dead (or skipped)."""
    outcomes: dict[str, int] = {}
    if not ids:
        return outcomes
    if not config.sendgrid_api_key:
        log.info("mail_not_configured", waiting=len(ids))
        return {"not_configured": len(ids)}
    deadline = time.monotonic() + budget_seconds if budget_seconds is not None else None
    client = sender.sendgrid_client(config)
    for message_id in ids:
        if deadline is not None and time.monotonic() > deadline:
            outcomes["deferred"] = outcomes.get("deferred", 0) + 1  # left for send-due
            continue
        claimed = outbox.claim(db, message_id, now)
        if claimed is None:
            continue  # sent, dead, not due, or another sender has it
        status = _attempt(db, config, client, claimed, now)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


def _attempt(db: Database, config: Config, client: SendGridAPIClient, claimed: outbox.Claimed, now: datetime) -> str:
    template_id = claimed.template_id or kinds.template_id(config, claimed.kind)
    if not template_id:
        error = f"{kinds.template_for(claimed.kind).env_name} is not configured"
        return outbox.record(db, claimed.id, outcome="dead", now=now, error=error)
    result = sender.send(client, sender.build_mail(config, claimed, template_id))
    status = outbox.record(
        db,
        claimed.id,
        outcome=result.outcome,
        now=now,
        message_id_header=result.message_id,
        error=result.error,
        not_before=result.not_before,
        template_id=template_id,
    )
    log_method = log.info if status == "sent" else log.warning
    log_method("mail_attempt", outbox_id=claimed.id, kind=claimed.kind, status=status, error=result.error)
    return status


def send_due(db: Database, config: Config, *, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    with db.reader() as session:
        ids = outbox.due_ids(session, now)
    return send_rows(db, config, ids, now=now)
