"""Property: for any booking, every mail's data fills every variable its template prints.

Rendered with the SendGrid simulator's Handlebars (the same renderer the
scenarios read mail from), from the app's own template sources.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app_under_test.mail import compose, kinds
from app_under_test.mail.compose import RefundInfo
from simulators.sendgrid.handlebars import render
from tests.app.mail_fixtures import CONFIG, make_booking, make_payment, make_refund

pytestmark = pytest.mark.email
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Europe/Dublin",
    "Africa/Casablanca",
]
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC))


def rendered_parts(kind: str, data: dict):
    sources = kinds.template_sources(kinds.KIND_TEMPLATES[kind])
    return [render(source, data) for source in sources.values()]


@st.composite
def bookings(draw):
    return make_booking(
        start=draw(instants),
        minutes=draw(st.integers(15, 240)),
        client_zone=draw(st.sampled_from(ZONES)),
        builder_zone=draw(st.sampled_from(ZONES)),
        client_name=draw(names),
        builder_name=draw(names),
        session_name=draw(names),
        price_cents=draw(st.integers(0, 10**7)),
        currency=draw(st.sampled_from(["usd", "eur", "jpy", "kwd"])),
        pathway=draw(st.none() | names),
        reason=draw(st.none() | names),
        canceled_by=draw(st.none() | names),
    )


@settings(max_examples=150, deadline=None)
@given(
    booking=bookings(),
    canceler=st.sampled_from([None, "host", "invitee"]),
    paid=st.booleans(),
    last4=st.none() | st.just("4242"),
    gap=st.timedeltas(timedelta(0), timedelta(days=3)),
    moved_from=instants,
)
def test_no_mail_leaves_a_template_variable_empty(booking, canceler, paid, last4, gap, moved_from):
    payment = make_payment(amount_cents=booking.price_cents, currency=booking.currency, last4=last4) if paid else None
    for recipient in (compose.client_of(booking), compose.builder_of(booking)):
        mails = {
            "confirmation": compose.confirmation(CONFIG, booking, recipient, payment),
            "cancellation": compose.cancellation(
                CONFIG,
                booking,
                recipient,
                canceler_type=canceler,
                refund=RefundInfo(booking.price_cents, booking.currency, None),
            ),
            "moved": compose.moved(CONFIG, booking, recipient, previous_start=moved_from),
            "reminder": compose.reminder(CONFIG, booking, recipient, now=booking.start_at - gap),
            "receipt": compose.receipt(CONFIG, booking, recipient, make_payment(last4=last4)),
            "refund": compose.refund_receipt(CONFIG, booking, recipient, make_payment(), make_refund()),
        }
        for kind, data in mails.items():
            assert all(value not in ("", None) for value in data.values()), (kind, data)
            for part in rendered_parts(kind, data):
                assert part.error is None, (kind, part.error)
                assert part.missing == [], (kind, part.missing, data)
            assert recipient.zone in rendered_parts(kind, data)[2].text  # every time names the reader's zone
