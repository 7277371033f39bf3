"""What the booking service expects of Stripe's API, exercised through its own payment code.

Each case runs app functions (``open_checkout``, ``expire_open_sessions``,
``issue_requested``) with the app's Stripe client (``gateway.build_client``)
pointed at the Pact mock server, on a database holding a held paid booking.
Requests are form-encoded as stripe-python sends them, with the Idempotency-Key
the app derives; ids the simulator chooses (``cs_test_``, ``pi_``) and the
expiry it accepts reach the replayed requests as provider-state values.
Errors: 400 ``invalid_request_error`` (an expiry Stripe's clock finds too
close, expiring a paid session), 404 ``resource_missing``, 429 rate limit.
402/``card_error`` is not here: Checkout declines cards on its hosted page,
never as an API answer to the app.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pact import match
from sqlalchemy import select

from app_under_test.booking_locks import lock_booking
from app_under_test.config import Config
from app_under_test.models import Payment, Refund
from app_under_test.payments.checkout import expire_open_sessions, open_checkout
from app_under_test.payments.gateway import ProviderRefused, ProviderUnavailable, build_client
from app_under_test.payments.refunds import issue_requested
from contracts.consumer import consumer_app
from contracts.consumer import payment_records as records
from contracts.consumer.shapes import from_state
from contracts.support.cases import FORM, Exchange, HttpCase, Request, Response, State, provider_state_path
from contracts.support.names import STRIPE_API

SECRET_KEY = "sk_test_contract_booking_service"
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
AUTH_OF_THE_WEBHOOK_APP = {"Authorization": f"Bearer {consumer_app.STRIPE_SECRET_KEY}"}  # the running app's own key
APP_URL = "https://bookings.example"
SESSION_ID = "cs_test_a1ContractSession0000000000000000000000000000000000"
INTENT_ID = "pi_3ContractIntent000000000"
CS_ID, PI_ID, RE_ID = r"^cs_test_\w+$", r"^pi_\w+$", r"^re_\w+$"
EXPIRES_AT = records.NOW + timedelta(minutes=31)  # the hold ends sooner; Stripe's 30 minutes win
KEY_STATE = State("the app's secret key is accepted", {"secret_key": SECRET_KEY})
SKEWED = State("Stripe's clock is an hour ahead of the app's", {"secret_key": SECRET_KEY})
RATE_LIMITED = State("Stripe is rate limiting the app's checkout sessions", {"secret_key": SECRET_KEY})
OPEN = State("an open checkout session of the booking", {"secret_key": SECRET_KEY, "booking_id": records.BOOKING_ID})
PAID = State(
    "a checkout session of the booking paid by card",
    {"secret_key": SECRET_KEY, "booking_id": records.BOOKING_ID, "amount": records.PRICE},
)


def client(base_url: str):
    return build_client(Config(stripe_secret_key=SECRET_KEY, stripe_api_base=base_url, public_base_url=APP_URL))


def config() -> Config:
    return Config(stripe_secret_key=SECRET_KEY, public_base_url=APP_URL)


def expires_at() -> int:
    return int(EXPIRES_AT.timestamp())


def checkout_form() -> dict:
    """The form stripe-python sends for ``checkout.session_params`` (nested keys flattened as it does)."""
    line = "line_items[0]"
    booking = records.BOOKING_ID
    return {
        "mode": "payment",
        f"{line}[price_data][currency]": records.CURRENCY,
        f"{line}[price_data][unit_amount]": str(records.PRICE),
        f"{line}[price_data][product_data][name]": "Intro with Ada Lovelace",
        f"{line}[price_data][product_data][description]": "30 minutes",
        f"{line}[quantity]": "1",
        "metadata[bookingId]": booking,
        "client_reference_id": booking,
        "customer_email": records.CLIENT_EMAIL,
        "payment_intent_data[metadata][bookingId]": booking,
        "payment_intent_data[metadata][attempt]": "1",
        "payment_intent_data[description]": f"Booking {booking}",
        "success_url": f"{APP_URL}/bookings/{booking}/paid?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{APP_URL}/bookings/{booking}/payment-canceled",
        "expires_at": from_state(str(expires_at()), "${expires_at}", r"^\d+$"),
    }


def checkout_request() -> Request:
    key = from_state(
        f"booking-{records.BOOKING_ID}-checkout-1-exp-{expires_at()}",
        f"booking-{records.BOOKING_ID}-checkout-1-exp-${{expires_at}}",
        rf"^booking-{records.BOOKING_ID}-checkout-1-exp-\d+$",
    )
    return Request(
        "POST",
        "/v1/checkout/sessions",
        headers={**AUTH, "Idempotency-Key": key},
        body=checkout_form(),
        content_type=FORM,
    )


def checkout_session(status: str, payment_status: str, *, url: bool = True, intent: bool = False) -> dict:
    """A checkout.session as the app reads it (id, url, amount, currency, status, payment_status, intent)."""
    body = {
        "id": match.regex(SESSION_ID, regex=CS_ID),
        "object": "checkout.session",
        "amount_total": match.int(records.PRICE),
        "currency": records.CURRENCY,
        "status": status,
        "payment_status": payment_status,
        "client_reference_id": records.BOOKING_ID,
        "metadata": {"bookingId": records.BOOKING_ID},
        "expires_at": match.int(expires_at()),
    }
    if url:
        body["url"] = match.regex(
            "https://checkout.stripe.com/c/pay/" + SESSION_ID, regex=r"^https?://\S+/c/pay/cs_test_\w+"
        )
    if intent:
        body["payment_intent"] = match.regex(INTENT_ID, regex=PI_ID)
    return body


def stripe_error(type_: str, message: str, **fields) -> dict:
    return {"error": {"type": type_, "message": match.str(message), **fields}}


def exercise_open_checkout(base_url: str) -> None:
    with records.database() as db:
        booking_id = records.held_booking(db)
        with db.transaction() as session:
            payment = open_checkout(
                session, lock_booking(session, booking_id), client(base_url), config(), now=records.NOW
            )
            assert payment.checkout_session_id == SESSION_ID and payment.status == "open"
            assert (payment.amount_cents, payment.currency) == (records.PRICE, records.CURRENCY)
            assert payment.checkout_url.endswith("/c/pay/" + SESSION_ID)


OPEN_CHECKOUT = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "create a checkout session for a held booking",
            checkout_request(),
            Response(200, checkout_session("open", "unpaid")),
            states=(KEY_STATE,),
        ),
    ),
    exercise_open_checkout,
)


def _refused_checkout(base_url: str, expected: type[Exception]) -> Exception:
    with records.database() as db:
        booking_id = records.held_booking(db)
        with pytest.raises(expected) as raised, db.transaction() as session:
            open_checkout(session, lock_booking(session, booking_id), client(base_url), config(), now=records.NOW)
        with db.reader() as session:  # the failed call left no payment row behind
            assert session.scalars(select(Payment)).all() == []
    return raised.value


def exercise_expiry_refused(base_url: str) -> None:
    assert isinstance(_refused_checkout(base_url, ProviderRefused), ProviderRefused)


EXPIRY_REFUSED = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "create a checkout session expiring too soon for Stripe's clock",
            checkout_request(),
            Response(
                400,
                stripe_error(
                    "invalid_request_error",
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                    param="expires_at",
                ),
            ),
            states=(SKEWED,),
        ),
    ),
    exercise_expiry_refused,
)


def exercise_rate_limited(base_url: str) -> None:
    error = _refused_checkout(base_url, ProviderUnavailable)
    assert error.rate_limited


RATE_LIMITED_CHECKOUT = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "create a checkout session while rate limited",
            checkout_request(),
            Response(429, stripe_error("invalid_request_error", "Request rate limit exceeded.", code="rate_limit")),
            states=(RATE_LIMITED,),
        ),
    ),
    exercise_rate_limited,
)


def session_path(suffix: str = "") -> object:
    return provider_state_path(
        f"/v1/checkout/sessions/{SESSION_ID}{suffix}",
        rf"^/v1/checkout/sessions/cs_test_\w+{suffix}$",
        f"/v1/checkout/sessions/${{session_id}}{suffix}",
    )


def _expire_all(base_url: str) -> tuple[list[Payment], str]:
    with records.database() as db:
        booking_id = records.held_booking(db)
        records.add_payment(db, booking_id, SESSION_ID)
        with db.transaction() as session:
            completed = expire_open_sessions(
                session, lock_booking(session, booking_id), client(base_url), now=records.NOW
            )
        with db.reader() as session:
            return completed, session.scalars(select(Payment.status)).one()


def exercise_expire(base_url: str) -> None:
    completed, status = _expire_all(base_url)
    assert completed == [] and status == "expired"


EXPIRE = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "expire an open checkout session",
            Request("POST", session_path("/expire"), headers=AUTH),
            Response(200, checkout_session("expired", "unpaid", url=False)),
            states=(OPEN,),
        ),
    ),
    exercise_expire,
)


def exercise_expire_paid(base_url: str) -> None:
    with records.database() as db:
        booking_id = records.held_booking(db)
        records.add_payment(db, booking_id, SESSION_ID)
        with db.transaction() as session:
            completed = expire_open_sessions(
                session, lock_booking(session, booking_id), client(base_url), now=records.NOW
            )
            assert [p.checkout_session_id for p in completed] == [SESSION_ID]  # kept: it is being paid


EXPIRE_PAID = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "expire a checkout session that was paid meanwhile",
            Request("POST", session_path("/expire"), headers=AUTH),
            Response(
                400,
                stripe_error(
                    "invalid_request_error", 'Only Checkout Sessions with a status in ["open"] can be expired.'
                ),
            ),
            states=(PAID,),
        ),
        Exchange(
            "retrieve a checkout session paid by card",
            Request("GET", session_path(), headers=AUTH),
            Response(200, checkout_session("complete", "paid", url=False, intent=True)),
            states=(PAID,),
        ),
    ),
    exercise_expire_paid,
)

UNKNOWN_ID = "cs_test_a1UnknownSession00000000000000000000000000000000000"


def exercise_unknown_session(base_url: str) -> None:
    with records.database() as db:
        booking_id = records.held_booking(db)
        records.add_payment(db, booking_id, UNKNOWN_ID)
        with pytest.raises(ProviderRefused) as raised, db.transaction() as session:
            expire_open_sessions(session, lock_booking(session, booking_id), client(base_url), now=records.NOW)
        assert raised.value.code == "resource_missing"


MISSING = stripe_error("invalid_request_error", f"No such checkout.session: '{UNKNOWN_ID}'", code="resource_missing")
UNKNOWN_SESSION = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "expire a checkout session Stripe does not know",
            Request("POST", f"/v1/checkout/sessions/{UNKNOWN_ID}/expire", headers=AUTH),
            Response(404, MISSING),
            states=(KEY_STATE,),
        ),
        Exchange(
            "retrieve a checkout session Stripe does not know",
            Request("GET", f"/v1/checkout/sessions/{UNKNOWN_ID}", headers=AUTH),
            Response(404, MISSING),
            states=(KEY_STATE,),
        ),
    ),
    exercise_unknown_session,
)


def refund_request() -> Request:
    booking = records.BOOKING_ID
    key = from_state(
        f"payment-{SESSION_ID}-refund-canceled",
        "payment-${session_id}-refund-canceled",
        r"^payment-cs_test_\w+-refund-canceled$",
    )
    form = {
        "payment_intent": from_state(INTENT_ID, "${payment_intent_id}", PI_ID),
        "amount": str(records.PRICE),
        "metadata[bookingId]": booking,
        "metadata[refundKey]": "1:canceled",
        "metadata[reason]": "canceled",
        "reason": "requested_by_customer",
    }
    return Request("POST", "/v1/refunds", headers={**AUTH, "Idempotency-Key": key}, body=form, content_type=FORM)


def exercise_refund(base_url: str) -> None:
    with records.database() as db:
        booking_id = records.held_booking(db)
        payment_id = records.add_payment(db, booking_id, SESSION_ID, status="paid", payment_intent_id=INTENT_ID)
        records.request_refund_of(db, payment_id, "canceled")
        assert issue_requested(db, client(base_url)) == {"issued": 1}
        with db.reader() as session:
            refund = session.scalars(select(Refund)).one()
        assert refund.stripe_refund_id.startswith("re_") and refund.status == "succeeded"
        assert refund.amount_cents == records.PRICE


REFUND = HttpCase(
    STRIPE_API,
    (
        Exchange(
            "refund a paid checkout session in full",
            refund_request(),
            Response(
                200,
                {
                    "id": match.regex("re_3ContractRefund0000000000", regex=RE_ID),
                    "object": "refund",
                    "amount": match.int(records.PRICE),
                    "currency": records.CURRENCY,
                    "payment_intent": match.regex(INTENT_ID, regex=PI_ID),
                    "status": match.regex("succeeded", regex="^(pending|succeeded|requires_action|failed|canceled)$"),
                    "metadata": {"refundKey": "1:canceled", "bookingId": records.BOOKING_ID, "reason": "canceled"},
                },
            ),
            states=(PAID,),
        ),
    ),
    exercise_refund,
)


def refunded_event(intent: str) -> bytes:
    """A ``charge.refunded`` for the app's webhook endpoint: what makes the app list the intent's refunds."""
    event = {
        "id": "evt_1ContractListRefunds",
        "object": "event",
        "type": "charge.refunded",
        "created": 1893456000,
        "livemode": False,
        "data": {
            "object": {
                "id": "ch_3ContractListRefunds",
                "object": "charge",
                "payment_intent": intent,
                "refunded": True,
                "amount": records.PRICE,
                "amount_refunded": records.PRICE,
                "currency": records.CURRENCY,
                "metadata": {"bookingId": "bk_stripe_list_refunds", "attempt": "1"},
            }
        },
    }
    return json.dumps(event).encode()


def exercise_list_refunds(base_url: str) -> None:
    builder = consumer_app.held_paid_booking(
        "bk_stripe_list_refunds",
        status="confirmed",
        payments=(
            {"checkout_session_id": SESSION_ID + "ListRefunds", "payment_intent_id": INTENT_ID, "status": "paid"},
        ),
    )
    with consumer_app.stripe_api_at(base_url):
        assert consumer_app.post_stripe(refunded_event(INTENT_ID))["processing"] == "processed"
    [booking] = consumer_app.bookings_of(builder)
    assert booking["payment"]["status"] == "refunded", booking
    assert booking["payment"]["refunded_cents"] == records.PRICE


def list_refunds_exchange(refund_id: str = "re_3ContractRefund0000000000", booking_id: str = "bk_stripe_list_refunds"):
    """What the ``charge.refunded`` handler asks; a webhook case reuses it with its own example refund id."""
    return Exchange(
        "list the refunds of a payment intent",
        Request(
            "GET",
            "/v1/refunds",
            query={"payment_intent": from_state(INTENT_ID, "${payment_intent_id}", PI_ID), "limit": "100"},
            headers=AUTH_OF_THE_WEBHOOK_APP,
        ),
        Response(
            200,
            {
                "object": "list",
                "url": "/v1/refunds",
                "has_more": False,
                "data": match.each_like(
                    {
                        "id": match.regex(refund_id, regex=RE_ID),
                        "object": "refund",
                        "amount": match.int(records.PRICE),
                        "currency": records.CURRENCY,
                        "payment_intent": match.regex(INTENT_ID, regex=PI_ID),
                        "reason": "requested_by_customer",
                        "status": match.regex(
                            "succeeded", regex="^(pending|succeeded|requires_action|failed|canceled)$"
                        ),
                        "metadata": {},
                    }
                ),
            },
        ),
        states=(
            State(
                "the booking's card payment was refunded in full from the Dashboard",
                {"secret_key": consumer_app.STRIPE_SECRET_KEY, "booking_id": booking_id, "amount": records.PRICE},
            ),
        ),
    )


LIST_REFUNDS = HttpCase(STRIPE_API, (list_refunds_exchange(),), exercise_list_refunds)

CASES = [
    OPEN_CHECKOUT,
    EXPIRY_REFUSED,
    RATE_LIMITED_CHECKOUT,
    EXPIRE,
    EXPIRE_PAID,
    UNKNOWN_SESSION,
    REFUND,
    LIST_REFUNDS,
]
