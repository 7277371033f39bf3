"""Refunds: ``POST /v1/refunds`` against a PaymentIntent or a charge, ``POST /v1/refunds/{id}`` to update one.

Card refunds succeed at once in test mode, so a refund is created ``succeeded``
and emits ``charge.refunded`` (with ``previous_attributes``) and
``refund.created``. Refusals match Stripe's codes: ``charge_already_refunded``
once nothing is left, ``amount_too_large`` when asking for more than is left.

Stripe's two asynchronous refund cards behave as its testing guide says: a
refund of a 4000000000007726 charge begins ``pending`` and later turns
``succeeded`` with ``refund.updated``; one of a 4000000000005126 charge begins
``succeeded`` and later turns ``failed`` with ``refund.failed`` (the amount is
then no longer counted as refunded on the charge). "Later" is when a test says
so: ``settle_refund`` (control route ``POST /_sim/stripe/refunds/{id}/settle``).
Updating a refund's metadata emits ``refund.updated`` with the old metadata in
``previous_attributes``.
"""

from __future__ import annotations

from typing import Any

from simulators.stripe import errors, objects
from simulators.stripe.events import emit
from simulators.stripe.params import INT, META, STR, coerce
from simulators.stripe.state import StripeState

REFUND_UPDATE = {"metadata": META, "expand": [STR]}
FAILURE_REASON = "expired_or_canceled_card"
REFUND_CREATE = {
    "payment_intent": STR,
    "charge": STR,
    "amount": INT,
    "reason": STR,
    "metadata": META,
    "expand": [STR],
    "instructions_email": STR,
}
REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"


def _charge_to_refund(state: StripeState, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("charge"):
        charge = state.charges.get(params["charge"])
        if charge is None:
            raise errors.invalid(f"No such charge: '{params['charge']}'", param="charge", code="resource_missing")
        return charge
    intent_id = params.get("payment_intent")
    if not intent_id:
        raise errors.invalid(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    intent = state.payment_intents.get(intent_id)
    if intent is None:
        raise errors.invalid(f"No such payment_intent: '{intent_id}'", param="payment_intent", code="resource_missing")
    if intent["status"] != "succeeded" or not intent["latest_charge"]:
        raise errors.processing(
            f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
            code="charge_not_refundable",
            param="payment_intent",
        )
    return state.charges[intent["latest_charge"]]


def create_refund(state: StripeState, raw_params: dict[str, Any], *, request: dict[str, Any]) -> dict[str, Any]:
    """Create a refund (call with ``state.lock`` held)."""
    params = coerce(raw_params, REFUND_CREATE)
    reason = params.get("reason") or None
    if reason is not None and reason not in REASONS:
        raise errors.invalid(
            f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason", code="parameter_invalid_string"
        )
    charge = _charge_to_refund(state, params)
    if charge["status"] != "succeeded":
        raise errors.processing(
            f"Charge {charge['id']} has not succeeded and cannot be refunded.", code="charge_not_refundable"
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise errors.processing(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = params.get("amount")
    if amount is None:
        amount = remaining
    if amount <= 0:
        raise errors.invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
    if amount > remaining:
        raise errors.processing(
            f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded amount on charge "
            f"({_money(remaining, charge['currency'])})",
            code="amount_too_large",
            param="amount",
        )
    behaviour = state.refund_behaviours.get(charge["id"], "immediate")
    refund = objects.refund(
        id=state.new_id("re"),
        created=state.now(),
        amount=amount,
        charge=charge,
        reason=reason,
        metadata=params.get("metadata") or {},
        balance_transaction=state.new_id("txn"),
        status="pending" if behaviour == "pending_then_succeeded" else "succeeded",
    )
    state.refunds[refund["id"]] = refund
    if behaviour != "immediate":
        state.unsettled_refunds.add(refund["id"])
    previous = {"amount_refunded": charge["amount_refunded"]}
    charge["amount_refunded"] += amount
    if charge["amount_refunded"] == charge["amount"]:
        previous["refunded"] = charge["refunded"]
        charge["refunded"] = True
    emit(state, "charge.refunded", charge, request=request, previous_attributes=previous)
    emit(state, "refund.created", refund, request=request)
    return refund


class RefundNotSettleable(Exception):
    """The refund has no later change waiting (not an asynchronous refund card, or already settled)."""


def settle_refund(state: StripeState, refund_id: str) -> dict[str, Any]:
    """Make the later change of an asynchronous refund happen now (call with ``state.lock`` held)."""
    refund = state.refunds.get(refund_id)
    if refund is None:
        raise errors.no_such("refund", refund_id)
    if refund_id not in state.unsettled_refunds:
        raise RefundNotSettleable(
            f"Refund {refund_id} has no later status change waiting: only refunds of "
            "the asynchronous refund cards (4000000000007726, 4000000000005126) change "
            "after they are created, once."
        )
    state.unsettled_refunds.discard(refund_id)
    charge = state.charges[refund["charge"]]
    if state.refund_behaviours.get(charge["id"]) == "pending_then_succeeded":
        refund["status"] = "succeeded"
        emit(state, "refund.updated", refund, previous_attributes={"status": "pending"})
        return refund
    refund.update(status="failed", failure_reason=FAILURE_REASON, failure_balance_transaction=state.new_id("txn"))
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = False
    emit(state, "refund.failed", refund)
    return refund


def update_refund(
    state: StripeState, refund_id: str, raw_params: dict[str, Any], *, request: dict[str, Any]
) -> dict[str, Any]:
    """``POST /v1/refunds/{id}``: only metadata can change (call with ``state.lock`` held)."""
    params = coerce(raw_params, REFUND_UPDATE)
    refund = state.refunds.get(refund_id)
    if refund is None:
        raise errors.no_such("refund", refund_id)
    if "metadata" in params:
        previous = dict(refund["metadata"])
        raw = raw_params["metadata"]
        if isinstance(raw, dict):  # merged key by key; an empty value unsets its key, as at Stripe
            metadata = {key: value for key, value in {**previous, **params["metadata"]}.items() if raw.get(key) != ""}
        else:  # metadata="" unsets every key
            metadata = {}
        if metadata != previous:
            refund["metadata"] = metadata
            emit(state, "refund.updated", refund, request=request, previous_attributes={"metadata": previous})
    return refund
