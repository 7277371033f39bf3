"""``POST /webhooks/<provider>``: verify, store durably and apply, then acknowledge.

The answer depends only on whether the event is now durably stored: 200 when it
is (new or duplicate), 4xx with a JSON reason when the request itself is bad
(nothing stored), 503 when the database cannot store it (so the provider
retries and nothing is lost). Processing failures never turn into a non-2xx:
the event is stored anyway and the inbox retries it on its own schedule
(``inbox.receive``: stored and applied in one transaction when the handler succeeds).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.providers import app_config
from app_under_test.webhooks import inbox
from app_under_test.webhooks.base import WebhookRejected
from app_under_test.webhooks.registry import webhook_providers

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@blueprint.post("/<provider_name>")
def receive(provider_name: str) -> ResponseReturnValue:
    provider = webhook_providers().get(provider_name)
    if provider is None:
        abort(404)
    raw = request.get_data(cache=False)
    try:
        incoming = provider.parse(raw, request.headers, app_config())
    except WebhookRejected as rejected:
        return error_response(rejected.status, rejected.code, rejected.message)
    try:
        received = inbox.receive(get_db(), incoming, provider.dispatch)
    except (OperationalError, SQLAlchemyError):
        return error_response(503, "storage_unavailable", "the event could not be stored; please retry")
    if received.duplicate:
        return jsonify({"status": "duplicate", "dedupe_key": incoming.dedupe_key})
    return jsonify({"status": "accepted", "processing": received.status, "event": received.event_id})
