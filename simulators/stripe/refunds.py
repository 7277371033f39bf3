"""Refunds: ``POST /v1/refunds`` against a PaymentIntent or a charge.

Card refunds succeed at once in test mode, so a refund is created ``succeeded``
and emits ``charge.refunded`` (with ``previous_attributes``) and
``refund.created``. Refusals match Stripe's codes: ``charge_already_refunded``
once nothing is left, ``amount_too_large`` when asking for more than is left.
"""

from __future__ import annotations

from typing import Any

from simulators.stripe import errors, objects
from simulators.stripe.events import emit
from simulators.stripe.params import INT, META, STR, coerce
from simulators.stripe.state import StripeState

REFUND_CREATE = {"payment_intent": STR, "charge": STR, "amount": INT, "reason": STR, "metadata": META,
                 "expand": [STR], "instructions_email": STR}
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
        raise errors.invalid("One of the following params should be provided for this request: "
                             "payment_intent or charge.", code="parameter_missing")
    intent = state.payment_intents.get(intent_id)
    if intent is None:
        raise errors.invalid(f"No such payment_intent: '{intent_id}'", param="payment_intent",
                             code="resource_missing")
    if intent["status"] != "succeeded" or not intent["latest_charge"]:
        raise errors.processing(f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                                code="charge_not_refundable", param="payment_intent")
    return state.charges[intent["latest_charge"]]


def create_refund(state: StripeState, raw_params: dict[str, Any], *, request: dict[str, Any]) -> dict[str, Any]:
    """Create a refund (call with ``state.lock`` held)."""
    params = coerce(raw_params, REFUND_CREATE)
    reason = params.get("reason") or None
    if reason is not None and reason not in REASONS:
        raise errors.invalid(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason",
                             code="parameter_invalid_string")
    charge = _charge_to_refund(state, params)
    if charge["status"] != "succeeded":
        raise errors.processing(f"Charge {charge['id']} has not succeeded and cannot be refunded.",
                                code="charge_not_refundable")
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
            f"({_money(remaining, charge['currency'])})", code="amount_too_large", param="amount")
    refund = objects.refund(id=state.new_id("re"), created=state.now(), amount=amount, charge=charge,
                            reason=reason, metadata=params.get("metadata") or {},
                            balance_transaction=state.new_id("txn"))
    state.refunds[refund["id"]] = refund
    previous = {"amount_refunded": charge["amount_refunded"]}
    charge["amount_refunded"] += amount
    if charge["amount_refunded"] == charge["amount"]:
        previous["refunded"] = charge["refunded"]
        charge["refunded"] = True
    emit(state, "charge.refunded", charge, request=request, previous_attributes=previous)
    emit(state, "refund.created", refund, request=request)
    return refund
