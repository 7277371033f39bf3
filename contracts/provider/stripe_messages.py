"""Stripe webhooks produced by the simulator itself, for verifying the app's message pact.

A provider state opens a Checkout Session for the booking named in its
parameters and has the customer (or Stripe) act on it, with a webhook
endpoint pointing at a recording receiver; the message producer hands the
verifier the exact bytes the simulator delivered for the event asked for. So
what is verified is the simulator's real output (its object builders, event
envelope and serialisation), not a copy of it. Names must match
``contracts/consumer/stripe_webhook_cases.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from contracts.provider.stripe_sim import StripeSim
from harness.receiver import RecordingReceiver
from simulators.stripe.events import EVENT_TYPES

SECRET_KEY = "sk_test_contracts_provider"
ENDPOINT_SECRET = "whsec_contracts_provider_receiver"
WAIT_SECONDS = 30
PENDING_REFUND_CARD, FAILING_REFUND_CARD = "4000000000007726", "4000000000005126"  # Stripe's async refund cards

Pick = Callable[[dict[str, Any]], bool]


def _event(name: str, pick: Pick = lambda obj: True) -> Pick:
    def picked(body: dict[str, Any]) -> bool:
        return body.get("type") == name and pick(body["data"]["object"])

    picked.event_type = name  # type: ignore[attr-defined]
    return picked


MESSAGES: dict[str, Pick] = {
    "checkout.session.completed, paid by card": _event(
        "checkout.session.completed", lambda s: s["payment_status"] == "paid"
    ),
    "checkout.session.completed, unpaid while a bank debit settles": _event(
        "checkout.session.completed", lambda s: s["payment_status"] == "unpaid"
    ),
    "checkout.session.async_payment_succeeded": _event("checkout.session.async_payment_succeeded"),
    "checkout.session.async_payment_failed": _event("checkout.session.async_payment_failed"),
    "checkout.session.expired": _event("checkout.session.expired"),
    "payment_intent.succeeded": _event("payment_intent.succeeded"),
    "payment_intent.payment_failed, card declined": _event("payment_intent.payment_failed"),
    "charge.succeeded, by card": _event("charge.succeeded"),
    "charge.refunded, in full": _event("charge.refunded"),
    "refund.created, made from the Dashboard": _event("refund.created"),
    "refund.updated, a pending refund succeeded": _event("refund.updated", lambda r: r["status"] == "succeeded"),
    "refund.failed, after it had succeeded": _event("refund.failed"),
}


class StripeWebhookSource:
    def __init__(self, sim: StripeSim, receiver: RecordingReceiver, receiver_url: str) -> None:
        self.sim = sim
        self.receiver = receiver
        self.receiver_url = receiver_url
        self._since = 0

    def _session(self, params: dict[str, Any], **extra: Any):
        self._since = len(self.receiver.requests)
        self.sim.endpoint(f"{self.receiver_url}/webhooks/stripe", ENDPOINT_SECRET)
        return self.sim.open_session(
            SECRET_KEY, params["booking_id"], params.get("amount", 5000), params.get("currency", "gbp"), **extra
        )

    def paid_by_card(self, params: dict[str, Any]) -> None:
        assert self.sim.pay(self._session(params).id)["outcome"] == "succeeded"

    def _bank_debit(self, params: dict[str, Any]) -> str:
        session = self._session(params, payment_method_types=["card", "us_bank_account"])
        assert self.sim.pay_by_bank(session.id)["outcome"] == "processing"
        return session.id

    def bank_debit_started(self, params: dict[str, Any]) -> None:
        self._bank_debit(params)

    def bank_debit_settled(self, params: dict[str, Any]) -> None:
        self.sim.settle(self._bank_debit(params), "succeeded")

    def bank_debit_failed(self, params: dict[str, Any]) -> None:
        self.sim.settle(self._bank_debit(params), "failed")

    def expired(self, params: dict[str, Any]) -> None:
        self.sim.expire(self._session(params).id)

    def declined(self, params: dict[str, Any]) -> None:
        assert self.sim.pay(self._session(params).id, card="4000000000009995")["outcome"] == "declined"

    def refunded(self, params: dict[str, Any], card: str = "4242424242424242") -> str:
        outcome = self.sim.pay(self._session(params).id, card=card)
        return (
            self.sim.client(SECRET_KEY)
            .v1.refunds.create(
                params={
                    "payment_intent": outcome["checkout_session"]["payment_intent"],
                    "reason": "requested_by_customer",
                }
            )
            .id
        )

    def refund_pending_then_succeeded(self, params: dict[str, Any]) -> None:
        self.sim.settle_refund(self.refunded(params, card=PENDING_REFUND_CARD))

    def refund_failed_later(self, params: dict[str, Any]) -> None:
        self.sim.settle_refund(self.refunded(params, card=FAILING_REFUND_CARD))

    def setups(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        return {
            "a customer paid the booking's checkout session by card": self.paid_by_card,
            "a customer paid the booking's checkout session by bank debit, not settled yet": self.bank_debit_started,
            "the bank debit of the booking's checkout session settled": self.bank_debit_settled,
            "the bank debit of the booking's checkout session failed": self.bank_debit_failed,
            "the booking's checkout session expired unpaid": self.expired,
            "a card was declined for insufficient funds on the booking's checkout session": self.declined,
            "the booking's card payment was refunded in full from the Dashboard": self.refunded,
            "a pending refund of the booking's card payment succeeded": self.refund_pending_then_succeeded,
            "a refund of the booking's card payment failed after it had succeeded": self.refund_failed_later,
        }

    def produce(self, name: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """The delivered bytes of message ``name`` (waiting for the delivery, with a deadline)."""
        pick = MESSAGES[name]
        if pick.event_type not in EVENT_TYPES:  # type: ignore[attr-defined]
            raise LookupError(f"the simulator never emits {pick.event_type}")  # type: ignore[attr-defined]
        deadline = time.monotonic() + WAIT_SECONDS
        seen = self._since
        while True:
            requests = self.receiver.requests
            for request in requests[seen:]:
                if pick(json.loads(request.body)):
                    return {"contents": request.body, "metadata": None, "content_type": "application/json"}
            seen = len(requests)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LookupError(f"the simulator delivered no message matching {name!r}")
            try:
                self.receiver.wait_for(seen + 1, timeout=min(remaining, 5))
            except TimeoutError:
                if remaining <= 5:
                    raise LookupError(f"the simulator delivered no message matching {name!r}") from None
