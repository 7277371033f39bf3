"""Builders for the API objects, field for field as Stripe returns them.

Only the fields a booking integration reads are meaningful; the rest are
present with Stripe's neutral values so that code (and stripe-python's typed
accessors) that touch them do not trip over a missing key. Shapes follow API
version 2024-06-20: ``checkout.session.payment_intent`` is null until the
customer submits a payment method (Stripe creates the PaymentIntent at
confirmation since 2022-08-01), charges carry no embedded ``refunds`` list.
"""

from __future__ import annotations

from typing import Any


def checkout_session(
    *,
    id: str,
    created: int,
    expires_at: int,
    url: str,
    currency: str,
    amount_subtotal: int,
    amount_total: int,
    metadata: dict[str, str],
    client_reference_id: str | None,
    customer_email: str | None,
    success_url: str,
    cancel_url: str | None,
    payment_method_types: list[str],
    locale: str | None = None,
    submit_type: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount_subtotal,
        "amount_total": amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": customer_email,
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": locale,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": payment_method_types,
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_details": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": submit_type,
        "subscription": None,
        "success_url": success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": url,
    }


def customer_details(email: str, name: str | None) -> dict[str, Any]:
    return {"address": None, "email": email, "name": name, "phone": None, "tax_exempt": "none", "tax_ids": []}


def line_item(
    *, id: str, product_id: str, name: str, created: int, currency: str, unit_amount: int, quantity: int
) -> dict[str, Any]:
    """A line item made from ``price_data``: Stripe creates an inactive one-time price for it (the
    product's description lives on the product, which is not simulated)."""
    total = unit_amount * quantity
    return {
        "id": id,
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": currency,
        "description": name,
        "price": {
            "id": f"price_{id[3:]}",
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": created,
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": product_id,
            "recurring": None,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
        "quantity": quantity,
    }


def payment_intent(
    *,
    id: str,
    created: int,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    description: str | None,
    payment_method_types: list[str],
) -> dict[str, Any]:
    return {
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{id}_secret_{id[3:][::-1]}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "description": description,
        "invoice": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": metadata,
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": payment_method_types,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def charge(
    *,
    id: str,
    created: int,
    intent: dict[str, Any],
    payment_method: str,
    method_details: dict[str, Any],
    email: str,
    name: str | None,
    balance_transaction: str | None,
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    paid = failure is None
    return {
        "id": id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if paid else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": balance_transaction,
        "billing_details": {"address": None, "email": email, "name": name, "phone": None},
        "calculated_statement_descriptor": "BOOKING HARNESS",
        "captured": paid,
        "created": created,
        "currency": intent["currency"],
        "customer": None,
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure["code"] if failure else None,
        "failure_message": failure["message"] if failure else None,
        "fraud_details": {},
        "invoice": None,
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": _outcome(failure),
        "paid": paid,
        "payment_intent": intent["id"],
        "payment_method": payment_method,
        "payment_method_details": method_details,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if paid else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def _outcome(failure: dict[str, Any] | None) -> dict[str, Any]:
    if failure is None:
        return {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    blocked = failure.get("decline_code") == "fraudulent"
    return {
        "network_status": "not_sent_to_network" if blocked else "declined_by_network",
        "reason": "highest_risk_level" if blocked else failure.get("decline_code"),
        "risk_level": "highest" if blocked else "normal",
        "risk_score": 95 if blocked else 20,
        "seller_message": "Stripe blocked this payment as too risky."
        if blocked
        else "The bank did not return any further details with this decline.",
        "type": "blocked" if blocked else "issuer_declined",
    }


def card_details(
    *,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
    funding: str,
    amount: int,
    authorized: bool,
    three_d_secure: str | None = None,
) -> dict[str, Any]:
    """``charge.payment_method_details`` for a card; ``three_d_secure`` is the result of a challenge, if any."""
    secure = None
    if three_d_secure:
        secure = {
            "authentication_flow": "challenge",
            "result": three_d_secure,
            "result_reason": None,
            "version": "2.2.0",
        }
    return {
        "type": "card",
        "card": {
            "amount_authorized": amount if authorized else None,
            "authorization_code": None,
            "brand": brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "exp_month": exp_month,
            "exp_year": exp_year,
            "extended_authorization": {"status": "disabled"},
            "fingerprint": None,
            "funding": funding,
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": last4,
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": brand,
            "network_token": {"used": False},
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "three_d_secure": secure,
            "wallet": None,
        },
    }


def bank_details(last4: str = "6789") -> dict[str, Any]:
    return {
        "type": "us_bank_account",
        "us_bank_account": {
            "account_holder_type": "individual",
            "account_type": "checking",
            "bank_name": "STRIPE TEST BANK",
            "fingerprint": None,
            "last4": last4,
            "routing_number": "110000000",
        },
    }


def refund(
    *,
    id: str,
    created: int,
    amount: int,
    charge: dict[str, Any],
    reason: str | None,
    metadata: dict[str, str],
    balance_transaction: str,
    status: str = "succeeded",
) -> dict[str, Any]:
    return {
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": balance_transaction,
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }
