"""What happens when the customer pays on the hosted page (or the control API pays for them).

One code path serves the page and ``/_sim/stripe/checkout/sessions/<id>/pay``
so a browser test and an HTTP-only test see the same objects and events. The
PaymentIntent is created at the first payment attempt and reused for later
attempts; a declined card leaves the session open for another try.

Events, in the order they are emitted:
  success:        [payment_intent.created] charge.succeeded payment_intent.succeeded checkout.session.completed
  decline:        [payment_intent.created] charge.failed payment_intent.payment_failed
  3DS challenge:  [payment_intent.created] payment_intent.requires_action, then success/decline on authentication
  3DS failed:     payment_intent.payment_failed (no charge)
  delayed method: [payment_intent.created] payment_intent.processing checkout.session.completed (unpaid), then
                  settle -> charge.succeeded payment_intent.succeeded checkout.session.async_payment_succeeded
                         or charge.failed payment_intent.payment_failed checkout.session.async_payment_failed
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.stripe import objects
from simulators.stripe.cards import AUTHENTICATION_FAILED, BANK_DEBIT_FAILED, CardInput, Decline
from simulators.stripe.checkout import allows, get_session
from simulators.stripe.events import emit
from simulators.stripe.state import StripeState


class PaymentRefused(Exception):
    """The session cannot take a payment now (not open, wrong method, nothing to authenticate)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PaymentOutcome:
    status: str  # succeeded | requires_action | declined | processing | settled | settlement_failed
    session: dict[str, Any]
    payment_intent: dict[str, Any]
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.status,
            "checkout_session": self.session,
            "payment_intent": self.payment_intent,
            "error": self.error,
        }


def _open_session(state: StripeState, session_id: str) -> dict[str, Any]:
    session = get_session(state, session_id)
    if session["status"] != "open":
        raise PaymentRefused("session_not_open", f"This Checkout Session is {session['status']}.")
    return session


def _intent_for(state: StripeState, session: dict[str, Any], method: str) -> dict[str, Any]:
    intent = state.payment_intents.get(session["payment_intent"] or "")
    if intent is None:
        extras = state.extras[session["id"]]
        intent = objects.payment_intent(
            id=state.new_id("pi"),
            created=state.now(),
            amount=session["amount_total"],
            currency=session["currency"],
            metadata=dict(extras.intent_metadata),
            description=extras.intent_description,
            payment_method_types=[method],
        )
        state.payment_intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        emit(state, "payment_intent.created", intent)
    return intent


def _customer(session: dict[str, Any], email: str | None, name: str | None) -> tuple[str, str | None]:
    return (email or session["customer_email"] or "customer@example.com"), name


def pay_card(
    state: StripeState,
    session_id: str,
    card: CardInput,
    *,
    email: str | None,
    name: str | None,
    authenticate_url: str | None = None,
) -> PaymentOutcome:
    """Submit a card (call with ``state.lock`` held). 3-D Secure cards stop at ``requires_action``."""
    session = _open_session(state, session_id)
    if not allows(state, session_id, "card"):
        raise PaymentRefused("payment_method_not_allowed", "This Checkout Session does not accept cards.")
    email, name = _customer(session, email, name)
    intent = _intent_for(state, session, "card")
    payment_method = state.new_id("pm")
    intent.update(payment_method=payment_method, last_payment_error=None, receipt_email=email)
    if card.card.three_d_secure:
        state.extras[session_id].pending_card = {
            "card": card,
            "email": email,
            "name": name,
            "payment_method": payment_method,
        }
        redirect = {"url": authenticate_url, "return_url": session["success_url"]}
        intent.update(status="requires_action", next_action={"type": "redirect_to_url", "redirect_to_url": redirect})
        emit(state, "payment_intent.requires_action", intent)
        return PaymentOutcome("requires_action", session, intent)
    return _authorise(state, session, intent, card, email, name, payment_method, three_d_secure=None)


def authenticate(state: StripeState, session_id: str, *, passed: bool) -> PaymentOutcome:
    """Finish a 3-D Secure challenge (call with ``state.lock`` held)."""
    session = _open_session(state, session_id)
    extras = state.extras[session_id]
    pending = extras.pending_card
    intent = state.payment_intents.get(session["payment_intent"] or "")
    if pending is None or intent is None or intent["status"] != "requires_action":
        raise PaymentRefused("no_authentication_pending", "No 3-D Secure authentication is pending.")
    extras.pending_card = None
    intent["next_action"] = None
    if not passed:
        return _decline(state, session, intent, AUTHENTICATION_FAILED, charge=None)
    return _authorise(
        state,
        session,
        intent,
        pending["card"],
        pending["email"],
        pending["name"],
        pending["payment_method"],
        three_d_secure="authenticated",
    )


def _authorise(
    state: StripeState,
    session: dict[str, Any],
    intent: dict[str, Any],
    card: CardInput,
    email: str,
    name: str | None,
    payment_method: str,
    *,
    three_d_secure: str | None,
) -> PaymentOutcome:
    decline = card.card.decline
    details = objects.card_details(
        brand=card.card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        funding=card.card.funding,
        amount=intent["amount"],
        authorized=decline is None,
        three_d_secure=three_d_secure,
    )
    charge = objects.charge(
        id=state.new_id("ch"),
        created=state.now(),
        intent=intent,
        payment_method=payment_method,
        method_details=details,
        email=email,
        name=name,
        balance_transaction=None if decline else state.new_id("txn"),
        failure=decline.as_error() if decline else None,
    )
    state.charges[charge["id"]] = charge
    state.refund_behaviours[charge["id"]] = card.card.refund
    intent["latest_charge"] = charge["id"]
    if decline is not None:
        return _decline(state, session, intent, decline, charge=charge)
    return _succeed(state, session, intent, charge, email, name)


def _succeed(
    state: StripeState,
    session: dict[str, Any],
    intent: dict[str, Any],
    charge: dict[str, Any],
    email: str,
    name: str | None,
) -> PaymentOutcome:
    intent.update(status="succeeded", amount_received=intent["amount"], next_action=None)
    session.update(
        status="complete", payment_status="paid", url=None, customer_details=objects.customer_details(email, name)
    )
    emit(state, "charge.succeeded", charge)
    emit(state, "payment_intent.succeeded", intent)
    emit(state, "checkout.session.completed", session)
    return PaymentOutcome("succeeded", session, intent)


def _decline(
    state: StripeState, session: dict[str, Any], intent: dict[str, Any], decline: Decline, charge: dict[str, Any] | None
) -> PaymentOutcome:
    error = decline.as_error(charge["id"] if charge else None)
    intent.update(status="requires_payment_method", last_payment_error=error, next_action=None)
    if charge is not None:
        emit(state, "charge.failed", charge)
    emit(state, "payment_intent.payment_failed", intent)
    return PaymentOutcome("declined", session, intent, error=error)


def pay_delayed(
    state: StripeState, session_id: str, method: str, *, email: str | None, name: str | None
) -> PaymentOutcome:
    """Pay with a delayed-notification method: the session completes unpaid until ``settle``."""
    session = _open_session(state, session_id)
    if method != "us_bank_account":
        raise PaymentRefused("payment_method_not_simulated", f"Payment method {method!r} is not simulated.")
    if not allows(state, session_id, method):
        raise PaymentRefused("payment_method_not_allowed", f"This Checkout Session does not accept {method}.")
    email, name = _customer(session, email, name)
    intent = _intent_for(state, session, method)
    payment_method = state.new_id("pm")
    charge = objects.charge(
        id=state.new_id("ch"),
        created=state.now(),
        intent=intent,
        payment_method=payment_method,
        method_details=objects.bank_details(),
        email=email,
        name=name,
        balance_transaction=None,
    )
    charge.update(status="pending", paid=False, captured=True, amount_captured=intent["amount"])
    state.charges[charge["id"]] = charge
    # ``processing`` stays null: Stripe describes only card processing there, never bank debits.
    intent.update(
        status="processing",
        payment_method=payment_method,
        latest_charge=charge["id"],
        payment_method_types=[method],
        last_payment_error=None,
        receipt_email=email,
    )
    session.update(
        status="complete", payment_status="unpaid", url=None, customer_details=objects.customer_details(email, name)
    )
    emit(state, "payment_intent.processing", intent)
    emit(state, "checkout.session.completed", session)
    return PaymentOutcome("processing", session, intent)


def settle(state: StripeState, session_id: str, *, succeeded: bool) -> PaymentOutcome:
    """Settle a delayed payment (call with ``state.lock`` held)."""
    session = get_session(state, session_id)
    intent = state.payment_intents.get(session["payment_intent"] or "")
    if intent is None or intent["status"] != "processing":
        raise PaymentRefused("nothing_to_settle", "This Checkout Session has no payment waiting to settle.")
    charge = state.charges[intent["latest_charge"]]
    if succeeded:
        charge.update(status="succeeded", paid=True, balance_transaction=state.new_id("txn"))
        intent.update(status="succeeded", amount_received=intent["amount"])
        session["payment_status"] = "paid"
        emit(state, "charge.succeeded", charge)
        emit(state, "payment_intent.succeeded", intent)
        emit(state, "checkout.session.async_payment_succeeded", session)
        return PaymentOutcome("settled", session, intent)
    error = BANK_DEBIT_FAILED.as_error(charge["id"])
    charge.update(
        status="failed", paid=False, amount_captured=0, failure_code=error["code"], failure_message=error["message"]
    )
    intent.update(status="requires_payment_method", last_payment_error=error)
    emit(state, "charge.failed", charge)
    emit(state, "payment_intent.payment_failed", intent)
    emit(state, "checkout.session.async_payment_failed", session)
    return PaymentOutcome("settlement_failed", session, intent, error=error)
