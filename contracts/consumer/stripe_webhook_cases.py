"""Stripe webhooks the booking service consumes, as message pacts handed to its real webhook endpoint.

Each event is signed with stripe-python's ``WebhookSignature`` and the app's
configured secret, posted to ``/webhooks/stripe`` of a running app, and the
case checks what the handler did through the operator API. One case per
branch of ``stripe_handlers.dispatch``: checkout.session.completed (paid by
card; unpaid while a bank debit settles), async_payment_succeeded/failed,
expired, payment_intent.succeeded/payment_failed, charge.succeeded,
charge.refunded (the handler then lists the intent's refunds through the API:
served by a Pact mock of the API pact's own interaction), refund.created and
refund.updated (a pending refund succeeded) and refund.failed (a refund that
had succeeded failed later). The last two first hand the app the refund as it
stood before (a ``refund.created``), so the case checks the change itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pact import match

from contracts.consumer import consumer_app
from contracts.support.cases import MessageCase, State
from contracts.support.names import STRIPE_WEBHOOKS

CS_ID, PI_ID, CH_ID, RE_ID, EVT_ID = (r"^cs_test_\w+$", r"^pi_\w+$", r"^ch_\w+$", r"^re_\w+$", r"^evt_\w+$")
PRICE, CURRENCY = 5000, "gbp"


def ids(n: int) -> dict[str, str]:
    """Distinct example ids for case ``n``: the booking, its session, intent, charge, refund, event."""
    return {
        "booking": f"bk_stripe_{n}",
        "session": f"cs_test_a1Contract{n:04d}Session",
        "intent": f"pi_3Contract{n:04d}Intent",
        "charge": f"ch_3Contract{n:04d}Charge",
        "refund": f"re_3Contract{n:04d}Refund",
        "event": f"evt_1Contract{n:04d}Event",
    }


def envelope(case: dict[str, str], event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": match.regex(case["event"], regex=EVT_ID),
        "object": "event",
        "type": event_type,
        "created": match.int(1893456000),
        "livemode": False,
        "data": {"object": obj},
    }


def checkout_session(case: dict[str, str], status: str, payment_status: str, *, intent: bool = True) -> dict:
    return {
        "id": match.regex(case["session"], regex=CS_ID),
        "object": "checkout.session",
        "amount_total": match.int(PRICE),
        "currency": CURRENCY,
        "status": status,
        "payment_status": payment_status,
        "metadata": {"bookingId": case["booking"]},
        "client_reference_id": case["booking"],
        "payment_intent": match.regex(case["intent"], regex=PI_ID) if intent else None,
    }


def intent_metadata(case: dict[str, str]) -> dict[str, str]:
    return {"bookingId": case["booking"], "attempt": "1"}


def payment_intent(case: dict[str, str], status: str, **fields: Any) -> dict:
    return {
        "id": match.regex(case["intent"], regex=PI_ID),
        "object": "payment_intent",
        "status": status,
        "amount": match.int(PRICE),
        "currency": CURRENCY,
        "metadata": intent_metadata(case),
        **fields,
    }


def charge(case: dict[str, str], **fields: Any) -> dict:
    return {
        "id": match.regex(case["charge"], regex=CH_ID),
        "object": "charge",
        "payment_intent": match.regex(case["intent"], regex=PI_ID),
        "metadata": intent_metadata(case),
        "amount": match.int(PRICE),
        "currency": CURRENCY,
        **fields,
    }


def refund(case: dict[str, str], status: str = "succeeded") -> dict:
    return {
        "id": match.regex(case["refund"], regex=RE_ID),
        "object": "refund",
        "amount": match.int(PRICE),
        "currency": CURRENCY,
        "status": status,
        "reason": "requested_by_customer",
        "payment_intent": match.regex(case["intent"], regex=PI_ID),
    }


def deliver(body: bytes | str) -> str:
    return consumer_app.post_stripe(body)["processing"]


def only_booking(builder: str) -> dict[str, Any]:
    bookings = consumer_app.bookings_of(builder)
    assert len(bookings) == 1, bookings
    return bookings[0]


def open_payment(case: dict[str, str]) -> dict[str, Any]:
    return {"checkout_session_id": case["session"], "status": "open"}


def paid_payment(case: dict[str, str]) -> dict[str, Any]:
    return {"checkout_session_id": case["session"], "payment_intent_id": case["intent"], "status": "paid"}


def state(name: str, case: dict[str, str]) -> tuple[State, ...]:
    return (State(name, {"booking_id": case["booking"], "amount": PRICE, "currency": CURRENCY}),)


PAID_BY_CARD = "a customer paid the booking's checkout session by card"
BANK_DEBIT_STARTED = "a customer paid the booking's checkout session by bank debit, not settled yet"
BANK_DEBIT_SETTLED = "the bank debit of the booking's checkout session settled"
BANK_DEBIT_FAILED = "the bank debit of the booking's checkout session failed"
EXPIRED = "the booking's checkout session expired unpaid"
DECLINED = "a card was declined for insufficient funds on the booking's checkout session"
REFUNDED = "the booking's card payment was refunded in full from the Dashboard"
REFUND_SUCCEEDED_LATER = "a pending refund of the booking's card payment succeeded"
REFUND_FAILED_LATER = "a refund of the booking's card payment failed after it had succeeded"


def completed_paid(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"])  # no payment row: found by metadata.bookingId
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert booking["status"] == "confirmed", booking
        assert booking["payment"]["status"] == "paid" and booking["payment"]["checkout_session_id"] == case["session"]

    return MessageCase(
        STRIPE_WEBHOOKS,
        "checkout.session.completed, paid by card",
        envelope(case, "checkout.session.completed", checkout_session(case, "complete", "paid")),
        consume,
        states=state(PAID_BY_CARD, case),
    )


def completed_unpaid(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"])
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert booking["status"] == "pending_payment", booking  # the hold waits for the debit to settle
        assert booking["payment"]["status"] == "open" and booking["payment"]["checkout_session_id"] == case["session"]

    return MessageCase(
        STRIPE_WEBHOOKS,
        "checkout.session.completed, unpaid while a bank debit settles",
        envelope(case, "checkout.session.completed", checkout_session(case, "complete", "unpaid")),
        consume,
        states=state(BANK_DEBIT_STARTED, case),
    )


def async_succeeded(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert booking["status"] == "confirmed" and booking["payment"]["status"] == "paid", booking

    return MessageCase(
        STRIPE_WEBHOOKS,
        "checkout.session.async_payment_succeeded",
        envelope(case, "checkout.session.async_payment_succeeded", checkout_session(case, "complete", "paid")),
        consume,
        states=state(BANK_DEBIT_SETTLED, case),
    )


def async_failed(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "failed" and payment["failure_code"] == "async_payment_failed", payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "checkout.session.async_payment_failed",
        envelope(case, "checkout.session.async_payment_failed", checkout_session(case, "complete", "unpaid")),
        consume,
        states=state(BANK_DEBIT_FAILED, case),
    )


def expired(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        assert deliver(body) == "processed"
        booking = only_booking(builder)
        assert booking["status"] == "expired" and booking["payment"]["status"] == "expired", booking

    return MessageCase(
        STRIPE_WEBHOOKS,
        "checkout.session.expired",
        envelope(case, "checkout.session.expired", checkout_session(case, "expired", "unpaid", intent=False)),
        consume,
        states=state(EXPIRED, case),
    )


def intent_succeeded(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        # found by metadata.bookingId and attempt; a PaymentIntent of no payment of the app is "ignored"
        assert deliver(body) == "processed"
        assert only_booking(builder)["status"] == "pending_payment"  # the session's completion confirms, not this

    return MessageCase(
        STRIPE_WEBHOOKS,
        "payment_intent.succeeded",
        envelope(case, "payment_intent.succeeded", payment_intent(case, "succeeded")),
        consume,
        states=state(PAID_BY_CARD, case),
    )


def intent_failed(n: int) -> MessageCase:
    case = ids(n)
    error = {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": match.str("Your card has insufficient funds."),
    }

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "open" and payment["failure_code"] == "insufficient_funds", payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "payment_intent.payment_failed, card declined",
        envelope(
            case,
            "payment_intent.payment_failed",
            payment_intent(case, "requires_payment_method", last_payment_error=error),
        ),
        consume,
        states=state(DECLINED, case),
    )


def charge_succeeded(n: int) -> MessageCase:
    case = ids(n)
    details = {"type": "card", "card": {"last4": match.regex("4242", regex=r"^\d{4}$"), "brand": match.str("visa")}}

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], payments=(open_payment(case),))
        assert deliver(body) == "processed"
        assert only_booking(builder)["payment"]["last4"] == "4242"

    return MessageCase(
        STRIPE_WEBHOOKS,
        "charge.succeeded, by card",
        envelope(case, "charge.succeeded", charge(case, status="succeeded", paid=True, payment_method_details=details)),
        consume,
        states=state(PAID_BY_CARD, case),
    )


@contextmanager
def stripe_api_of_the_app(exchanges) -> Iterator[None]:
    """The consumer app's Stripe client pointed at a Pact mock answering ``exchanges`` (the API pact's own)."""
    from pact import Pact

    from contracts.support.cases import declare_http
    from contracts.support.names import CONSUMER, STRIPE_API

    pact = Pact(CONSUMER, STRIPE_API).with_specification("V4")
    for exchange in exchanges:
        declare_http(pact, exchange)
    server = pact.serve(addr="127.0.0.1", raises=False, verbose=False)
    with server, consumer_app.stripe_api_at(str(server.url)):
        yield
    if server.mismatches:
        from pact.error import MismatchesError

        raise MismatchesError(*server.mismatches)


def charge_refunded(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        from contracts.consumer.stripe_api_cases import list_refunds_exchange

        builder = consumer_app.held_paid_booking(case["booking"], status="confirmed", payments=(paid_payment(case),))
        with stripe_api_of_the_app([list_refunds_exchange(case["refund"], case["booking"])]):
            assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "refunded" and payment["refunded_cents"] == PRICE, payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "charge.refunded, in full",
        envelope(
            case, "charge.refunded", charge(case, status="succeeded", refunded=True, amount_refunded=match.int(PRICE))
        ),
        consume,
        states=state(REFUNDED, case),
    )


def refund_created(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], status="confirmed", payments=(paid_payment(case),))
        assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "refunded" and payment["refunded_cents"] == PRICE, payment
        assert payment["refund_reasons"] == ["requested_by_customer"], payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "refund.created, made from the Dashboard",
        envelope(case, "refund.created", refund(case)),
        consume,
        states=state(REFUNDED, case),
    )


def earlier(body: bytes | str, status: str) -> bytes:
    """The ``refund.created`` the app saw before ``body``: the same refund, in the status it had then."""
    event = json.loads(body)
    event.update(id=event["id"] + "_created", type="refund.created")
    event["data"]["object"]["status"] = status
    return json.dumps(event).encode("utf-8")


def refund_succeeded_later(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], status="confirmed", payments=(paid_payment(case),))
        assert deliver(earlier(body, "pending")) == "processed"
        assert only_booking(builder)["payment"]["refund_pending"] is True
        assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "refunded" and payment["refunded_cents"] == PRICE, payment
        assert payment["refund_pending"] is False, payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "refund.updated, a pending refund succeeded",
        envelope(case, "refund.updated", refund(case)),
        consume,
        states=state(REFUND_SUCCEEDED_LATER, case),
    )


def refund_failed_later(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        builder = consumer_app.held_paid_booking(case["booking"], status="confirmed", payments=(paid_payment(case),))
        assert deliver(earlier(body, "succeeded")) == "processed"
        assert only_booking(builder)["payment"]["status"] == "refunded"
        assert deliver(body) == "processed"
        payment = only_booking(builder)["payment"]
        assert payment["status"] == "paid" and payment["refunded_cents"] == 0, payment  # the money is still here
        assert payment["refund_failed"] is True, payment

    return MessageCase(
        STRIPE_WEBHOOKS,
        "refund.failed, after it had succeeded",
        envelope(case, "refund.failed", refund(case, "failed")),
        consume,
        states=state(REFUND_FAILED_LATER, case),
    )


CASES = [
    completed_paid(201),
    completed_unpaid(202),
    async_succeeded(203),
    async_failed(204),
    expired(205),
    intent_succeeded(206),
    intent_failed(207),
    charge_succeeded(208),
    charge_refunded(209),
    refund_created(210),
    refund_succeeded_later(211),
    refund_failed_later(212),
]
