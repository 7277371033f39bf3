"""Operator routes for the webhook inbox: list (dead letters included), process due retries, replay."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.models import WebhookEvent
from app_under_test.timeutil import iso_z
from app_under_test.views.operator import as_of, json_object, operator_blueprint
from app_under_test.webhooks import inbox
from app_under_test.webhooks.registry import webhook_providers

blueprint = operator_blueprint("admin_webhooks", __name__)


def event_json(row: WebhookEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "event_type": row.event_type,
        "dedupe_key": row.dedupe_key,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "received_at": iso_z(row.received_at),
        "next_attempt_at": iso_z(row.next_attempt_at) if row.next_attempt_at else None,
    }


@blueprint.get("/webhooks")
def list_webhooks() -> ResponseReturnValue:
    statement = select(WebhookEvent).order_by(WebhookEvent.id)
    for name in ("status", "provider", "event_type"):
        if value := request.args.get(name):
            statement = statement.where(getattr(WebhookEvent, name) == value)
    with get_db().reader() as session:
        return {"events": [event_json(row) for row in session.scalars(statement)]}


@blueprint.post("/webhooks/process-due")
def process_due() -> ResponseReturnValue:
    """Process retries that are due; ``{"as_of": "<ISO instant>"}`` asks "as if it were that late"."""
    body = json_object()
    now = as_of(body)
    dispatchers = {name: provider.dispatch for name, provider in webhook_providers().items()}
    return {"outcomes": inbox.process_due(get_db(), dispatchers, now=now)}


@blueprint.post("/webhooks/<int(max=2147483647):event_id>/replay")
def replay(event_id: int) -> ResponseReturnValue:
    with get_db().reader() as session:
        row = session.get(WebhookEvent, event_id)
        if row is None:
            return error_response(404, "unknown_event", f"no stored webhook event {event_id}")
        provider = webhook_providers()[row.provider]
    return {"status": inbox.replay(get_db(), event_id, provider.dispatch)}
