"""Checkout Sessions: creation (with Stripe's validation) and expiry.

A session is created ``open``/``unpaid`` and ends ``complete`` (paid, or unpaid
while a delayed payment settles) or ``expired``. Expiry happens through
``POST /v1/checkout/sessions/{id}/expire``, the control API, or virtual time:
every request first expires the open sessions whose ``expires_at`` has passed
(``expire_overdue``), so advancing the clock and touching the simulator is
enough to get ``checkout.session.expired``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simulators.stripe import errors, objects
from simulators.stripe.events import emit
from simulators.stripe.params import ANY, BOOL, INT, META, STR, coerce, require
from simulators.stripe.state import SessionExtras, StripeState

MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 60 * 60
EXPIRY_SLACK = 10  # seconds of clock skew tolerated on ``expires_at`` bounds
MINIMUM_AMOUNT = 50  # Stripe's minimum charge, applied in every currency here (Stripe's varies)
PAYMENT_METHOD_TYPES = ("card", "us_bank_account")
DELAYED_METHODS = ("us_bank_account",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CURRENCY = re.compile(r"^[a-z]{3}$")

PRODUCT_DATA = {"name": STR, "description": STR, "images": [STR], "metadata": META, "tax_code": STR}
PRICE_DATA = {
    "currency": STR,
    "unit_amount": INT,
    "unit_amount_decimal": STR,
    "product": STR,
    "product_data": PRODUCT_DATA,
    "tax_behavior": STR,
}
LINE_ITEM = {"price": STR, "price_data": PRICE_DATA, "quantity": INT}
SESSION_CREATE = {
    "mode": STR,
    "line_items": [LINE_ITEM],
    "metadata": META,
    "client_reference_id": STR,
    "customer_email": STR,
    "success_url": STR,
    "cancel_url": STR,
    "expires_at": INT,
    "payment_method_types": [STR],
    "locale": STR,
    "submit_type": STR,
    "expand": [STR],
    "billing_address_collection": STR,
    "customer_creation": STR,
    "allow_promotion_codes": BOOL,
    "phone_number_collection": ANY,
    "custom_text": ANY,
    "payment_intent_data": {
        "metadata": META,
        "description": STR,
        "receipt_email": STR,
        "statement_descriptor_suffix": STR,
    },
}


def _check_url(value: Any, param: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value) or len(value) > 5000:
        raise errors.invalid("Not a valid URL", param=param, code="url_invalid")
    return value


def _line_items(raw: list[dict[str, Any]], state: StripeState) -> list[dict[str, Any]]:
    items = []
    for index, item in enumerate(raw):
        path = f"line_items[{index}]"
        if item.get("price"):
            raise errors.invalid(f"No such price: '{item['price']}'", param=f"{path}[price]", code="resource_missing")
        price_data = item.get("price_data")
        if not price_data:
            raise errors.invalid("You must specify either `price` or `price_data` for each line item.", param=path)
        currency = str(require_at(price_data, "currency", f"{path}[price_data]")).lower()
        if not _CURRENCY.match(currency):
            raise errors.invalid(
                f"Invalid currency: {currency}", param=f"{path}[price_data][currency]", code="parameter_invalid_string"
            )
        unit_amount = price_data.get("unit_amount")
        if unit_amount is None and price_data.get("unit_amount_decimal"):
            try:
                unit_amount = int(float(price_data["unit_amount_decimal"]))
            except ValueError:
                raise errors.invalid("Invalid decimal", param=f"{path}[price_data][unit_amount_decimal]") from None
        if unit_amount is None:
            raise errors.missing_param(f"{path}[price_data][unit_amount]")
        if unit_amount < 0:
            raise errors.invalid(
                "This value must be greater than or equal to 0.", param=f"{path}[price_data][unit_amount]"
            )
        if price_data.get("product"):
            raise errors.invalid(
                f"No such product: '{price_data['product']}'",
                param=f"{path}[price_data][product]",
                code="resource_missing",
            )
        product = require_at(price_data, "product_data", f"{path}[price_data]")
        name = require_at(product, "name", f"{path}[price_data][product_data]")
        quantity = require_at(item, "quantity", path)
        if quantity < 1:
            raise errors.invalid("This value must be greater than or equal to 1.", param=f"{path}[quantity]")
        items.append(
            objects.line_item(
                id=state.new_id("li"),
                product_id=state.new_id("prod"),
                name=name,
                created=state.now(),
                currency=currency,
                unit_amount=unit_amount,
                quantity=quantity,
            )
        )
    return items


def require_at(container: dict[str, Any], name: str, prefix: str) -> Any:
    value = container.get(name)
    if value is None or value == "":
        raise errors.missing_param(f"{prefix}[{name}]")
    return value


def create_session(state: StripeState, raw_params: dict[str, Any], page_url: Callable[[str], str]) -> dict[str, Any]:
    """``POST /v1/checkout/sessions`` (call with ``state.lock`` held)."""
    params = coerce(raw_params, SESSION_CREATE)
    mode = require(params, "mode")
    if mode not in ("payment", "setup", "subscription"):
        raise errors.invalid(
            "Invalid mode: must be one of payment, setup, or subscription",
            param="mode",
            code="parameter_invalid_string",
        )
    if mode != "payment":
        raise errors.invalid(f"mode={mode} is not simulated (only mode=payment is)", param="mode")
    items = _line_items(require(params, "line_items"), state)
    currencies = {item["currency"] for item in items}
    if len(currencies) > 1:
        raise errors.invalid("All line items must use the same currency.", param="line_items")
    currency = currencies.pop()
    total = sum(item["amount_total"] for item in items)
    if total < MINIMUM_AMOUNT:
        raise errors.invalid(
            f"The Checkout Session's total amount due must add up to at least "
            f"{MINIMUM_AMOUNT} in the smallest {currency} unit",
            code="amount_too_small",
        )
    success_url = _check_url(require(params, "success_url"), "success_url")
    cancel_url = _check_url(params["cancel_url"], "cancel_url") if params.get("cancel_url") else None
    email = params.get("customer_email") or None
    if email is not None and not _EMAIL.match(email):
        raise errors.invalid(f"Invalid email address: {email}", param="customer_email", code="email_invalid")
    reference = params.get("client_reference_id") or None
    if reference is not None and len(reference) > 200:
        raise errors.invalid("client_reference_id must be at most 200 characters", param="client_reference_id")
    now = state.now()
    expires_at = params.get("expires_at")
    if expires_at is None:
        expires_at = now + MAX_EXPIRY
    elif expires_at < now + MIN_EXPIRY - EXPIRY_SLACK:
        raise errors.invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", param="expires_at"
        )
    elif expires_at > now + MAX_EXPIRY + EXPIRY_SLACK:
        raise errors.invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", param="expires_at"
        )
    methods = params.get("payment_method_types") or None
    for index, method in enumerate(methods or []):
        if method not in PAYMENT_METHOD_TYPES:
            raise errors.invalid(
                f"Invalid payment_method_types[{index}]: the simulator supports {', '.join(PAYMENT_METHOD_TYPES)}",
                param=f"payment_method_types[{index}]",
                code="parameter_invalid_string",
            )
    session_id = state.new_id("cs_test")
    session = objects.checkout_session(
        id=session_id,
        created=now,
        expires_at=expires_at,
        url=page_url(session_id),
        currency=currency,
        amount_subtotal=total,
        amount_total=total,
        metadata=params.get("metadata") or {},
        client_reference_id=reference,
        customer_email=email,
        success_url=success_url,
        cancel_url=cancel_url,
        payment_method_types=list(methods or ["card"]),
        locale=params.get("locale"),
        submit_type=params.get("submit_type"),
    )
    intent_data = params.get("payment_intent_data") or {}
    state.sessions[session_id] = session
    state.extras[session_id] = SessionExtras(
        line_items=items,
        allowed_methods=list(methods) if methods else None,
        intent_metadata=intent_data.get("metadata") or {},
        intent_description=intent_data.get("description"),
    )
    return session


def get_session(state: StripeState, session_id: str, param: str = "session") -> dict[str, Any]:
    session = state.sessions.get(session_id)
    if session is None:
        raise errors.no_such("checkout.session", session_id, param)
    return session


def expire(state: StripeState, session_id: str, *, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """Expire an open session (call with ``state.lock`` held); cancels its unfinished PaymentIntent."""
    session = get_session(state, session_id)
    if session["status"] != "open":
        raise errors.processing(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has '
            f'a status of "{session["status"]}".',
            code="checkout_session_not_open",
        )
    now = state.now()
    intent = state.payment_intents.get(session["payment_intent"] or "")
    if intent is not None and intent["status"] in ("requires_payment_method", "requires_action"):
        intent.update(status="canceled", canceled_at=now, cancellation_reason="abandoned", next_action=None)
        emit(state, "payment_intent.canceled", intent, request=request)
    extras = state.extras[session_id]
    extras.pending_card = None
    session.update(status="expired", url=None)
    emit(state, "checkout.session.expired", session, request=request)
    return session


def expire_overdue(state: StripeState) -> list[str]:
    """Expire every open session whose ``expires_at`` has passed on the virtual clock."""
    with state.lock:
        now = state.now()
        due = [s["id"] for s in state.sessions.values() if s["status"] == "open" and s["expires_at"] <= now]
        for session_id in due:
            expire(state, session_id)
        return due


def allows(state: StripeState, session_id: str, method: str) -> bool:
    allowed = state.extras[session_id].allowed_methods
    return method in (allowed if allowed is not None else PAYMENT_METHOD_TYPES)


def localize(state: StripeState, session_id: str, currency: str, fx_rate: str) -> dict[str, Any]:
    """The customer picks their own currency on the hosted page (Adaptive Pricing; call with ``state.lock`` held).

    As Stripe describes it for API versions before 2025-03-31: the session's ``currency`` and amounts become
    the customer's, and ``currency_conversion`` keeps the amounts in the currency the session was created in.
    Only an open session whose payment has not started can be localized, as on the hosted page."""
    session = get_session(state, session_id)
    if session["status"] != "open" or session["payment_intent"] is not None:
        raise errors.processing(
            "Only an open Checkout Session whose payment has not started can change its currency.",
            code="checkout_session_not_open",
        )
    currency = currency.lower()
    if not _CURRENCY.match(currency):
        raise errors.invalid(f"Invalid currency: {currency}", param="currency", code="parameter_invalid_string")
    try:
        rate = float(fx_rate)
    except ValueError:
        raise errors.invalid("fx_rate must be a decimal string", param="fx_rate") from None
    if not rate > 0:
        raise errors.invalid("fx_rate must be greater than 0", param="fx_rate")
    source = session["currency_conversion"] or {
        "amount_subtotal": session["amount_subtotal"],
        "amount_total": session["amount_total"],
        "source_currency": session["currency"],
    }
    session.update(
        currency=currency,
        amount_subtotal=round(source["amount_subtotal"] * rate),
        amount_total=round(source["amount_total"] * rate),
        currency_conversion={
            "amount_subtotal": source["amount_subtotal"],
            "amount_total": source["amount_total"],
            "fx_rate": fx_rate,
            "source_currency": source["source_currency"],
        },
    )
    return session
