"""Operator routes for mail: the outbox (dead letters included), retries, reminders, undeliverable clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.mail import delivery, outbox, reminders
from app_under_test.models import Booking, Client, OutboxMessage
from app_under_test.providers import app_config
from app_under_test.timeutil import iso_z, utcnow
from app_under_test.views.operator import as_of, json_object, operator_blueprint

blueprint = operator_blueprint("admin_mail", __name__)


def mail_json(row: OutboxMessage, booking_ref: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "idempotency_key": row.idempotency_key,
        "kind": row.kind,
        "booking": booking_ref,
        "recipient": row.recipient,
        "template_id": row.template_id,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "provider_message_id": row.provider_message_id,
        "created_at": iso_z(row.created_at),
        "sent_at": iso_z(row.sent_at) if row.sent_at else None,
        "next_attempt_at": iso_z(row.next_attempt_at) if row.next_attempt_at else None,
    }


@blueprint.get("/mail")
def list_mail() -> ResponseReturnValue:
    statement = (
        select(OutboxMessage, Booking.public_id)
        .outerjoin(Booking, OutboxMessage.booking_id == Booking.id)
        .order_by(OutboxMessage.id)
    )
    for name in ("status", "kind", "recipient"):
        if value := request.args.get(name):
            statement = statement.where(
                getattr(OutboxMessage, name) == (value.lower() if name == "recipient" else value)
            )
    if booking := request.args.get("booking"):
        statement = statement.where(Booking.public_id == booking)
    with get_db().reader() as session:
        return {"messages": [mail_json(row, ref) for row, ref in session.execute(statement)]}


@blueprint.post("/mail/send-due")
def send_due() -> ResponseReturnValue:
    return {"outcomes": delivery.send_due(get_db(), app_config(), now=as_of(json_object()) or utcnow())}


@blueprint.post("/mail/send-reminders")
def send_reminders() -> ResponseReturnValue:
    body = json_object()
    now = as_of(body) or utcnow()
    hours = body.get("within_hours", reminders.DEFAULT_WINDOW.total_seconds() / 3600)
    # At least 0.01 h (36 s): a smaller float makes an empty window (timedelta rounds it to zero).
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0.01 <= hours <= 24 * 14:
        return error_response(422, "invalid_window", "within_hours must be a number of hours between 0.01 and 336")
    return {"reminders": reminders.queue_reminders(get_db(), now=now, within=timedelta(hours=hours))}


@blueprint.post("/mail/<int(max=2147483647):message_id>/retry")
def retry(message_id: int) -> ResponseReturnValue:
    with get_db().transaction() as session:
        if outbox.requeue(session, message_id) is None:
            return error_response(404, "unknown_mail", f"no queued mail {message_id}")
    outcomes = delivery.send_rows(get_db(), app_config(), [message_id], now=utcnow())
    with get_db().reader() as session:
        row = session.get_one(OutboxMessage, message_id)
        ref = session.scalar(select(Booking.public_id).where(Booking.id == row.booking_id)) if row.booking_id else None
        return {"outcomes": outcomes, "message": mail_json(row, ref)}


@blueprint.get("/clients")
def list_clients() -> ResponseReturnValue:
    """Clients, e.g. ``?undeliverable=1``: whose address SendGrid reported as bouncing."""
    statement = select(Client).order_by(Client.id)
    flag = request.args.get("undeliverable")
    if flag is not None:
        statement = statement.where(Client.email_undeliverable.is_(flag.lower() in ("1", "true", "yes")))
    with get_db().reader() as session:
        return {
            "clients": [
                {
                    "email": c.email,
                    "name": c.name,
                    "email_undeliverable": c.email_undeliverable,
                    "has_account": c.has_account,
                }
                for c in session.scalars(statement)
            ]
        }
