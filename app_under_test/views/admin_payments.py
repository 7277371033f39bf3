"""Operator routes for payments: register the Stripe webhook endpoint, sweep expired holds, issue refunds,
and list the payments that were not the booking's price (refunded instead of confirming anything)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.models import Booking, Payment
from app_under_test.payments.gateway import PaymentsNotConfigured, ProviderError, ProviderUnavailable, app_client
from app_under_test.payments.holds import expire_holds
from app_under_test.payments.records import refunds_of
from app_under_test.payments.refunds import issue_requested
from app_under_test.payments.settlement import AMOUNT_MISMATCH
from app_under_test.payments.setup import register_webhook
from app_under_test.providers import app_config, slot_provider
from app_under_test.views.operator import as_of, json_object, operator_blueprint

blueprint = operator_blueprint("admin_payments", __name__)


def _stripe_failed(exc: ProviderError) -> ResponseReturnValue:
    return error_response(503 if isinstance(exc, ProviderUnavailable) else 502, "stripe_error", exc.message)


@blueprint.post("/payments/register-webhook")
def payments_register_webhook() -> ResponseReturnValue:
    """``{"replace": bool}``; the answer carries the signing secret when a new endpoint was made."""
    body = json_object()
    try:
        result = register_webhook(app_client(), app_config(), replace=bool(body.get("replace")))
    except PaymentsNotConfigured as exc:
        return error_response(409, "payments_not_configured", str(exc))
    except ProviderError as exc:
        return _stripe_failed(exc)
    return result, 201 if result["status"] != "exists" else 200


@blueprint.post("/payments/expire-holds")
def payments_expire_holds() -> ResponseReturnValue:
    """Release holds past their end; ``{"as_of": "<ISO instant>"}`` asks "as if it were that late"."""
    body = json_object()
    when = as_of(body)
    try:
        report = expire_holds(get_db(), app_client(), slot_provider(), as_of=when)
    except PaymentsNotConfigured as exc:
        return error_response(409, "payments_not_configured", str(exc))
    return report.as_dict()


@blueprint.post("/payments/issue-refunds")
def payments_issue_refunds() -> ResponseReturnValue:
    """Send refunds that were decided but not yet accepted by Stripe (e.g. during an outage)."""
    try:
        return {"outcomes": issue_requested(get_db(), app_client())}
    except PaymentsNotConfigured as exc:
        return error_response(409, "payments_not_configured", str(exc))


@blueprint.get("/payments/mismatches")
def payments_mismatches() -> ResponseReturnValue:
    """Payments whose amount or currency was not the booking's price, with what became of their refund."""
    statement = (
        select(Payment, Booking)
        .join(Booking, Payment.booking_id == Booking.id)
        .where(Payment.failure_code == AMOUNT_MISMATCH)
        .order_by(Payment.id)
    )
    with get_db().reader() as session:
        rows = session.execute(statement).all()
        return {
            "mismatches": [
                {
                    "booking": booking.public_id,
                    "booking_status": booking.status.value,
                    "checkout_session_id": payment.checkout_session_id,
                    "expected": {"amount_cents": booking.price_cents, "currency": booking.currency},
                    "paid": {"amount_cents": payment.amount_cents, "currency": payment.currency},
                    "payment_status": payment.status,
                    "refunds": [
                        {"amount_cents": r.amount_cents, "status": r.status, "reason": r.reason}
                        for r in refunds_of(session, payment.id)
                    ],
                }
                for payment, booking in rows
            ]
        }
