"""Operator routes for Calendly: register the webhook subscription, read its state, reconcile, routing forms."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app_under_test.calendly.client import CalendlyError, CalendlyUnavailable, app_client
from app_under_test.calendly.reconcile import default_window, reconcile
from app_under_test.calendly.setup import find_subscription, register_webhook
from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.models import Client, RoutingFormSubmission
from app_under_test.providers import app_config
from app_under_test.timeutil import iso_z, parse_utc_iso
from app_under_test.views.operator import json_object, operator_blueprint

blueprint = operator_blueprint("admin_calendly", __name__)


def _calendly_failed(exc: CalendlyError) -> ResponseReturnValue:
    status = 503 if isinstance(exc, CalendlyUnavailable) else 502
    return error_response(status, "calendly_error", str(exc))


@blueprint.post("/calendly/register-webhook")
def calendly_register_webhook() -> ResponseReturnValue:
    client = app_client()
    if client is None:
        return error_response(409, "calendly_not_configured", "CALENDLY_API_TOKEN is not set")
    body = json_object()
    try:
        result = register_webhook(client, app_config(), force=bool(body.get("force")))
    except ValueError as exc:
        return error_response(409, "calendly_not_configured", str(exc))
    except CalendlyError as exc:
        return _calendly_failed(exc)
    return result, 201 if result["status"] in ("created", "recreated") else 200


@blueprint.get("/calendly/subscription")
def calendly_subscription() -> ResponseReturnValue:
    client = app_client()
    if client is None:
        return error_response(409, "calendly_not_configured", "CALENDLY_API_TOKEN is not set")
    try:
        subscription = find_subscription(client, app_config())
    except CalendlyError as exc:
        return _calendly_failed(exc)
    if subscription is None:
        return error_response(404, "no_subscription", "Calendly has no webhook subscription for this app")
    return {"subscription": subscription}


@blueprint.post("/calendly/reconcile")
def calendly_reconcile() -> ResponseReturnValue:
    """``{"from": iso, "to": iso}`` (both optional: yesterday to 90 days ahead)."""
    client = app_client()
    if client is None:
        return error_response(409, "calendly_not_configured", "CALENDLY_API_TOKEN is not set")
    body = json_object()
    start, end = default_window()
    try:
        start = parse_utc_iso(str(body["from"])) if body.get("from") else start
        end = parse_utc_iso(str(body["to"])) if body.get("to") else end
    except ValueError:
        return error_response(422, "invalid_window", "from and to must be ISO-8601 instants with an offset")
    try:
        report = reconcile(get_db(), client, start=start, end=end)
    except CalendlyError as exc:
        return _calendly_failed(exc)
    return report.as_dict()


@blueprint.get("/calendly/routing-form-submissions")
def routing_form_submissions() -> ResponseReturnValue:
    statement = (
        select(RoutingFormSubmission, Client.email)
        .outerjoin(Client, RoutingFormSubmission.client_id == Client.id)
        .order_by(RoutingFormSubmission.id)
    )
    with get_db().reader() as session:
        return {
            "submissions": [
                {
                    "uri": row.uri,
                    "routing_form": row.routing_form_uri,
                    "submitter": row.submitter_uri,
                    "client_email": email,
                    "result_event_type": row.result_event_type_uri,
                    "answers": row.answers,
                    "created_at": iso_z(row.created_at),
                }
                for row, email in session.execute(statement)
            ]
        }
