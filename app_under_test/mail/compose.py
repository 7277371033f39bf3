"""Template data for each mail, as its recipient should read it.

Every time is written in the recipient's own zone with the zone named
(``timeutil.format_in_zone``): the client's is the zone they booked in, the
builder's is the builder's, so a builder in Tokyo never has to convert a
client's London time. Amounts come from integer minor units and carry their
currency code. Every value a template prints is a non-empty string or a
number; optional parts (pathway, reason, refund, card digits) are left out
of the data altogether, so the templates' ``{{#if}}`` blocks skip them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from app_under_test.config import Config
from app_under_test.models import Booking, Payment, Refund
from app_under_test.timeutil import format_in_zone, utcnow

# Stripe's currencies without minor units, and those with three decimals.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


@dataclass(frozen=True)
class Recipient:
    role: str  # client | builder
    email: str
    name: str
    zone: str


def one_line(text: str | None) -> str:
    """Whitespace runs (line breaks included) as one space: names land in subjects, where a line break
    would start a new header line, and a name from a provider's webhook is not checked by our forms."""
    return " ".join((text or "").split())


def display_name(name: str | None, email: str) -> str:
    return one_line(name) or email


def client_of(booking: Booking) -> Recipient:
    client = booking.client
    return Recipient("client", client.email, display_name(client.name, client.email), booking.client_timezone)


def builder_of(booking: Booking) -> Recipient:
    builder = booking.builder
    return Recipient("builder", builder.email, display_name(builder.name, builder.email), builder.timezone)


def format_amount(minor_units: int, currency: str) -> str:
    """``5000, "usd"`` -> ``"50.00 USD"``; ``5000, "jpy"`` -> ``"5,000 JPY"``."""
    code = (currency or "").lower()
    digits = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    sign = "-" if minor_units < 0 else ""
    units, fraction = divmod(abs(int(minor_units)), 10**digits)
    text = f"{units:,}" + (f".{fraction:0{digits}d}" if digits else "")
    return f"{sign}{text} {code.upper()}"


def starts_in(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes <= 0:
        return "now"
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    if hours < 48:
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    return f"in {round(hours / 24)} days"


def _base_url(config: Config) -> str:
    return str(config.public_base_url).rstrip("/")


def manage_url(config: Config, booking: Booking, recipient: Recipient) -> str:
    url = f"{_base_url(config)}/bookings/{booking.public_id}"
    # The booking page shows times in the zone it is asked for: the builder's, for the builder.
    return f"{url}?tz={quote(recipient.zone, safe='')}" if recipient.role == "builder" else url


def base(config: Config, booking: Booking, recipient: Recipient) -> dict[str, Any]:
    """What every mail about a booking prints."""
    client = booking.client
    data = {
        "audience": recipient.role,
        "recipient_name": recipient.name,
        "client_name": display_name(client.name, client.email),
        "builder_name": display_name(booking.builder.name, booking.builder.email),
        "session_name": one_line(booking.session_type.name) or booking.session_type.slug,
        "start_local": format_in_zone(booking.start_at, recipient.zone),
        "timezone": recipient.zone,
        "duration_minutes": int((booking.end_at - booking.start_at).total_seconds() // 60),
        "booking_reference": booking.public_id,
        "manage_url": manage_url(config, booking, recipient),
    }
    if booking.pathway is not None and one_line(booking.pathway.name):
        data["pathway"] = one_line(booking.pathway.name)
    return data


def confirmation(
    config: Config, booking: Booking, recipient: Recipient, payment: Payment | None = None
) -> dict[str, Any]:
    data = base(config, booking, recipient)
    if booking.price_cents:
        amount = format_amount(booking.price_cents, booking.currency)
        data["price"] = f"{amount}, paid" if payment is not None else amount
    else:
        data["price"] = "Free"
    return data


def canceled_by(booking: Booking, recipient: Recipient, canceler_type: str | None) -> str:
    """Who canceled, from the recipient's point of view ("You", or the other party and their role)."""
    actor = {"invitee": "client", "host": "builder"}.get(canceler_type or "")
    if actor == recipient.role:
        return "You"
    if actor == "client":
        return f"{display_name(booking.client.name, booking.client.email)} (the client)"
    if actor == "builder":
        return f"{display_name(booking.builder.name, booking.builder.email)} (the builder)"
    return (booking.canceled_by or "").strip() or "the marketplace"


@dataclass(frozen=True)
class RefundInfo:
    amount_cents: int
    currency: str
    reference: str | None  # Stripe's refund id once the refund exists


def cancellation(
    config: Config,
    booking: Booking,
    recipient: Recipient,
    *,
    canceler_type: str | None,
    refund: RefundInfo | None = None,
) -> dict[str, Any]:
    data = base(config, booking, recipient)
    data["canceled_by"] = canceled_by(booking, recipient, canceler_type)
    data["rebook_url"] = f"{_base_url(config)}/builders/{booking.builder.slug}/sessions/{booking.session_type.slug}"
    reason = (booking.cancel_reason or "").strip()
    if reason:
        data["reason"] = reason
    if refund is not None and refund.amount_cents > 0:
        data["refund_amount"] = format_amount(refund.amount_cents, refund.currency)
        if refund.reference:
            data["refund_reference"] = refund.reference
    return data


def moved(config: Config, booking: Booking, recipient: Recipient, *, previous_start: datetime) -> dict[str, Any]:
    data = base(config, booking, recipient)
    data["previous_start_local"] = format_in_zone(previous_start, recipient.zone)
    return data


def _payment_fields(payment: Payment) -> dict[str, Any]:
    fields = {"checkout_reference": payment.checkout_session_id}
    if payment.payment_intent_id:
        fields["payment_reference"] = payment.payment_intent_id
    if payment.card_last4:
        fields["card_last4"] = payment.card_last4
    return fields


def receipt(config: Config, booking: Booking, recipient: Recipient, payment: Payment) -> dict[str, Any]:
    data = base(config, booking, recipient)
    data.update(
        _payment_fields(payment),
        is_refund=False,
        amount=format_amount(payment.amount_cents, payment.currency),
        paid_at_local=format_in_zone(payment.updated_at or payment.created_at or utcnow(), recipient.zone),
    )
    return data


def refund_receipt(
    config: Config, booking: Booking, recipient: Recipient, payment: Payment, refund: Refund
) -> dict[str, Any]:
    data = base(config, booking, recipient)
    data.update(
        _payment_fields(payment),
        is_refund=True,
        refund_reference=refund.stripe_refund_id,
        amount=format_amount(refund.amount_cents, payment.currency),
        paid_at_local=format_in_zone(refund.created_at or utcnow(), recipient.zone),
    )
    return data


def reminder(config: Config, booking: Booking, recipient: Recipient, *, now: datetime) -> dict[str, Any]:
    data = base(config, booking, recipient)
    data["starts_in"] = starts_in(booking.start_at - now)
    return data
