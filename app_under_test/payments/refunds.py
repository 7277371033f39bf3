"""Refunds: requested inside the transaction that decides them, issued through Stripe after it commits.

A refund is money leaving, so it follows the outbox rule of ``booking_events``:
the decision (a cancellation, a late payment) writes a ``requested`` refund row
in its own transaction, and only once that commits is the refund sent to
Stripe (right after the commit, and again by ``booking-app payments
issue-refunds`` for any that could not be sent then). A Stripe outage therefore
never rolls back a cancellation, and a rolled-back decision never refunds.

Stripe is asked with an idempotency key per (payment, reason), and the refund
carries ``metadata.refundKey``: a retried request, a second worker, or the
``refund.created`` webhook racing the API answer all land on the same refund.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import stripe
import structlog
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from stripe.params import RefundCreateParams

from app_under_test import booking_events
from app_under_test.booking_locks import lock_existing_booking
from app_under_test.db import Database
from app_under_test.models import Booking, Payment, Refund
from app_under_test.payments.gateway import ProviderUnavailable, classify
from app_under_test.payments.records import refunds_of
from app_under_test.timeutil import utcnow

log = structlog.get_logger("payments")

REQUESTED = "requested"  # decided here, not yet accepted by Stripe
COUNTING = ("requested", "pending", "requires_action", "succeeded")  # refunds that cover part of a payment
# Stripe accepts only these reasons; the app's own reason travels in metadata.
STRIPE_REASONS = {"canceled": "requested_by_customer", "duplicate_payment": "duplicate"}
# A Stripe refund only moves forward: requires_action -> pending -> succeeded, and to failed or
# canceled from any of those (succeeded -> failed when the card refuses the money later). Its
# events can arrive in any order, so a snapshot that would move a refund backwards is stale.
STAGE = {REQUESTED: 0, "requires_action": 1, "pending": 2, "succeeded": 3, "failed": 4, "canceled": 4}


def refund_key(payment: Payment, reason: str) -> str:
    return f"{payment.id}:{reason}"


def stripe_id(refund: Refund) -> str | None:
    """Stripe's id of the refund; None until Stripe has made it: a row we requested holds a placeholder of ours
    (and keeps it when Stripe refuses the refund)."""
    return None if refund.stripe_refund_id.startswith(f"{REQUESTED}:") else refund.stripe_refund_id


def idempotency_key(payment: Payment, reason: str) -> str:
    return f"payment-{payment.checkout_session_id}-refund-{reason}"


def request_refund(session: Session, payment: Payment, reason: str, *, now: datetime | None = None) -> Refund | None:
    """Queue a refund of what is left of ``payment`` (None when it is covered already)."""
    refunds = refunds_of(session, payment.id)
    covered = sum(r.amount_cents for r in refunds if r.status in COUNTING)
    if (
        payment.status not in ("paid", "refunded")
        or covered >= payment.amount_cents
        or any(r.reason == reason for r in refunds)
    ):
        return None
    refund = Refund(
        payment_id=payment.id,
        stripe_refund_id=f"{REQUESTED}:{refund_key(payment, reason)}",
        amount_cents=payment.amount_cents - covered,
        reason=reason,
        status=REQUESTED,
        created_at=now or utcnow(),
    )
    session.add(refund)
    session.flush()
    _issue_after_commit(session)
    return refund


def refund_paid_payments(session: Session, booking: Booking, reason: str) -> None:
    """Every payment of ``booking`` that took money goes back (called when a paid booking is canceled)."""
    for payment in session.scalars(select(Payment).where(Payment.booking_id == booking.id, Payment.status == "paid")):
        request_refund(session, payment, reason)


def _issue_after_commit(session: Session) -> None:
    if session.info.get("refunds_after_commit") or not has_app_context():
        return
    session.info["refunds_after_commit"] = True
    # current_app is typed as the Flask app it stands for, so the proxy's own method is hidden from the checker.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def issue(committed: Session) -> None:
        # after_commit also fires when a savepoint is released: wait for the outermost commit.
        if committed.get_nested_transaction() is not None or not committed.info.pop("refunds_after_commit", False):
            return
        try:
            with app.app_context():
                from app_under_test.db import get_db
                from app_under_test.payments.gateway import app_client

                issue_requested(get_db(), app_client())
        except Exception:  # the decision is committed; the next issue-refunds run sends what is left
            log.exception("refunds_not_issued_after_commit")

    event.listen(session, "after_commit", issue)


def issue_requested(db: Database, client: stripe.StripeClient) -> dict[str, int]:
    """Send every requested refund to Stripe; returns counts by outcome (issued, waiting, failed)."""
    with db.reader() as session:
        ids = list(session.scalars(select(Refund.id).where(Refund.status == REQUESTED).order_by(Refund.id)))
    outcomes: dict[str, int] = {}
    for refund_id in ids:
        outcome = _issue(db, client, refund_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _issue(db: Database, client: stripe.StripeClient, refund_id: int) -> str:
    with db.reader() as session:
        refund = session.get_one(Refund, refund_id)
        payment = session.get_one(Payment, refund.payment_id)
        booking = session.get_one(Booking, payment.booking_id)
        if refund.status != REQUESTED:
            return "issued"
        if not payment.payment_intent_id:
            return "waiting"  # the payment's PaymentIntent is not known yet; a later run sends it
        params: RefundCreateParams = {
            "payment_intent": payment.payment_intent_id,
            "amount": refund.amount_cents,
            "metadata": {
                "bookingId": booking.public_id,
                "refundKey": refund_key(payment, refund.reason),
                "reason": refund.reason,
            },
        }
        if refund.reason in STRIPE_REASONS:
            params["reason"] = STRIPE_REASONS[refund.reason]
        key = idempotency_key(payment, refund.reason)
    try:
        created = client.v1.refunds.create(params=params, options={"idempotency_key": key})
    except stripe.StripeError as exc:
        problem = classify(exc)
        if isinstance(problem, ProviderUnavailable):
            log.warning("refund_waiting_for_stripe", refund=refund_id, error=problem.message)
            return "waiting"
        with db.transaction() as session:
            # The booking lock, as every writer of refund rows takes it, then the row as read after it (this
            # session has not read it before): Stripe's webhook may have recorded this refund meanwhile (an
            # earlier attempt Stripe made, whose answer was lost). Then it was issued, and stays as recorded.
            lock_existing_booking(session, payment.booking_id)
            row = session.get_one(Refund, refund_id)
            if row.status != REQUESTED:
                return "issued"
            row.status = "failed"
        log.error("refund_refused", refund=refund_id, code=problem.code, error=problem.message)
        return "failed"
    with db.transaction() as session:
        lock_existing_booking(session, payment.booking_id)
        payment = session.get_one(Payment, payment.id, populate_existing=True)
        record_stripe_refund(session, payment, created.to_dict())
    return "issued"


def settle_refunded(session: Session, payment: Payment, now: datetime) -> None:
    """A paid payment whose money went back in full is refunded; a refunded one whose refund failed later (a
    closed card) is paid again: the money is still with us. Nothing changes for a payment not yet paid."""
    succeeded = sum(r.amount_cents for r in refunds_of(session, payment.id) if r.status == "succeeded")
    if succeeded >= payment.amount_cents and payment.status == "paid":
        payment.status, payment.updated_at = "refunded", now
    elif succeeded < payment.amount_cents and payment.status == "refunded":
        payment.status, payment.updated_at = "paid", now


def record_stripe_refund(session: Session, payment: Payment, refund: dict[str, Any]) -> str:
    """Apply one Stripe refund object (API answer or webhook) to the payment's rows; idempotent.

    The caller holds the booking lock."""
    rows = refunds_of(session, payment.id)
    row = next((r for r in rows if r.stripe_refund_id == refund["id"]), None)
    if row is None:
        key = (refund.get("metadata") or {}).get("refundKey")
        row = next((r for r in rows if r.status == REQUESTED and f"{REQUESTED}:{key}" == r.stripe_refund_id), None)
    if row is None:  # made outside this app (the Dashboard, another tool): recorded as Stripe describes it
        # Nothing applied yet (requested): Stripe's id, amount and status are set below, as for any other row.
        row = Refund(
            payment_id=payment.id,
            reason=(refund.get("metadata") or {}).get("reason") or refund.get("reason") or "external",
            status=REQUESTED,
        )
        session.add(row)
    before = row.status
    if before != REQUESTED and STAGE.get(refund["status"], 0) <= STAGE.get(before, 0):
        return ""  # the same state again, or an older snapshot than the one applied already
    row.stripe_refund_id = refund["id"]
    row.amount_cents = refund["amount"]
    row.status = refund["status"]
    session.flush()
    settle_refunded(session, payment, utcnow())
    if row.status == "failed":
        # Not retried: the card refused the money; an operator returns it another way (see docs/payments.md).
        log.error(
            "refund_failed",
            refund=refund["id"],
            payment=payment.id,
            amount_cents=row.amount_cents,
            failure_reason=refund.get("failure_reason"),
        )
    if row.status == "succeeded":
        booking = session.get_one(Booking, payment.booking_id)
        booking_events.publish(session, booking_events.PaymentRefunded(booking, row, reason=row.reason))
    return f"refund {refund['id']} {row.status}"
