"""Template data per mail: times in the recipient's zone (across daylight-saving changes), amounts, who canceled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app_under_test.mail import compose
from app_under_test.mail.compose import RefundInfo
from app_under_test.mail.outbox import idempotency_key
from tests.app.mail_fixtures import CONFIG, make_booking, make_payment, make_refund

pytestmark = pytest.mark.email


def both(booking):
    return compose.client_of(booking), compose.builder_of(booking)


def test_each_recipient_reads_the_time_in_their_own_zone_with_the_zone_named():
    # 26 March 2027, 17:00 UTC: New York is already on summer time (EDT, since 14 March), London not yet (GMT).
    client, builder = both(make_booking())
    booking = make_booking()

    assert compose.base(CONFIG, booking, client)["start_local"] == "Friday 26 March 2027, 17:00 Europe/London (GMT)"
    assert compose.base(CONFIG, booking, builder)["start_local"] == "Friday 26 March 2027, 13:00 America/New_York (EDT)"


@pytest.mark.parametrize(
    ("start", "london", "new_york"),
    [
        (
            datetime(2027, 3, 12, 14, 0, tzinfo=UTC),
            "14:00 Europe/London (GMT)",
            "09:00 America/New_York (EST)",
        ),
        (
            datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
            "13:00 Europe/London (GMT)",
            "09:00 America/New_York (EDT)",
        ),
        (
            datetime(2027, 3, 29, 13, 0, tzinfo=UTC),
            "14:00 Europe/London (BST)",
            "09:00 America/New_York (EDT)",
        ),
    ],
)
def test_a_daylight_saving_change_moves_the_offset_not_the_builders_hour(start, london, new_york):
    booking = make_booking(start=start)
    client, builder = both(booking)

    assert compose.base(CONFIG, booking, client)["start_local"].endswith(london)
    assert compose.base(CONFIG, booking, builder)["start_local"].endswith(new_york)


def test_the_moved_mail_gives_both_times_in_the_recipients_zone_across_a_change():
    booking = make_booking(start=datetime(2027, 3, 29, 13, 0, tzinfo=UTC))
    client, _ = both(booking)
    data = compose.moved(CONFIG, booking, client, previous_start=datetime(2027, 3, 26, 14, 0, tzinfo=UTC))

    assert data["previous_start_local"] == "Friday 26 March 2027, 14:00 Europe/London (GMT)"
    assert data["start_local"] == "Monday 29 March 2027, 14:00 Europe/London (BST)"


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (5000, "usd", "50.00 USD"),
        (5, "eur", "0.05 EUR"),
        (123456789, "gbp", "1,234,567.89 GBP"),
        (5000, "jpy", "5,000 JPY"),
        (12340, "kwd", "12.340 KWD"),
        (-250, "usd", "-2.50 USD"),
        (0, "usd", "0.00 USD"),
    ],
)
def test_amounts_come_from_integer_minor_units(minor, currency, text):
    assert compose.format_amount(minor, currency) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=3), "in 3 hours"),
        (timedelta(minutes=45), "in 45 minutes"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(hours=23, minutes=40), "in 24 hours"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(seconds=10), "now"),
        (timedelta(minutes=-5), "now"),
    ],
)
def test_starts_in(delta, text):
    assert compose.starts_in(delta) == text


@pytest.mark.parametrize(
    ("canceler", "client_reads", "builder_reads"),
    [
        ("host", "Ada Stone (the builder)", "You"),
        ("invitee", "You", "Grace Hopper (the client)"),
        (None, "the marketplace", "the marketplace"),
    ],
)
def test_canceled_by_is_told_from_the_readers_side(canceler, client_reads, builder_reads):
    booking = make_booking()
    client, builder = both(booking)

    assert compose.canceled_by(booking, client, canceler) == client_reads
    assert compose.canceled_by(booking, builder, canceler) == builder_reads


def test_a_cancellation_of_a_paid_session_names_the_refund():
    booking = make_booking(price_cents=5000, reason="  Ill  ")
    client, _ = both(booking)
    data = compose.cancellation(
        CONFIG, booking, client, canceler_type="host", refund=RefundInfo(5000, "usd", "re_test_9")
    )

    assert (data["refund_amount"], data["refund_reference"], data["reason"]) == ("50.00 USD", "re_test_9", "Ill")
    assert "refund_amount" not in compose.cancellation(CONFIG, make_booking(), client, canceler_type="host")


def test_the_receipt_carries_amount_card_and_stripe_ids_in_the_clients_zone():
    booking = make_booking(price_cents=5000, client_zone="Asia/Tokyo")
    client, _ = both(booking)
    data = compose.receipt(CONFIG, booking, client, make_payment())

    assert data["amount"] == "50.00 USD" and data["card_last4"] == "4242"
    assert (data["payment_reference"], data["checkout_reference"]) == ("pi_test_123", "cs_test_abc")
    assert data["paid_at_local"] == "Saturday 20 March 2027, 21:00 Asia/Tokyo (JST)"
    no_card = compose.receipt(CONFIG, booking, client, make_payment(last4=None, intent=None))
    assert "card_last4" not in no_card and "payment_reference" not in no_card


def test_the_refund_receipt_is_a_receipt_with_the_refund():
    booking = make_booking(price_cents=5000, client_zone="Asia/Tokyo")
    client, _ = both(booking)
    data = compose.refund_receipt(CONFIG, booking, client, make_payment(), make_refund(amount_cents=2500))

    assert data["is_refund"] is True and data["amount"] == "25.00 USD" and data["refund_reference"] == "re_test_9"
    # Dated when the refund was made (22 March, 09:30 UTC), not when the mail happens to be written.
    assert data["paid_at_local"] == "Monday 22 March 2027, 18:30 Asia/Tokyo (JST)"


def test_the_builder_link_shows_the_booking_in_the_builders_zone():
    booking = make_booking()
    client, builder = both(booking)

    assert compose.manage_url(CONFIG, booking, client) == "https://book.example.com/bookings/bk-ref-0001"
    assert (
        compose.manage_url(CONFIG, booking, builder)
        == "https://book.example.com/bookings/bk-ref-0001?tz=America%2FNew_York"
    )


def test_idempotency_keys_name_kind_booking_recipient_and_revision():
    assert idempotency_key("confirmation", "bk1", "client") == "confirmation:bk1:client"
    assert (
        idempotency_key("moved", "bk1", "builder", "2027-03-26T17:00:00Z>2027-03-29T13:00:00Z")
        == "moved:bk1:builder:2027-03-26T17:00:00Z>2027-03-29T13:00:00Z"
    )
    assert idempotency_key("confirmation", "bk1", "client") != idempotency_key("confirmation", "bk1", "builder")


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://book.example.com", "https://book.example.com"),
        ("https://book.example.com/", "https://book.example.com"),
        ("https://example.com/MAX/", "https://example.com/MAX"),  # a base path ending in any letter stays whole
        ("https://example.com/marketplace", "https://example.com/marketplace"),
    ],
)
def test_a_mails_links_start_with_the_public_base_url_whatever_it_ends_with(base, expected):
    config = replace(CONFIG, public_base_url=base)
    booking = make_booking()
    [client, _] = both(booking)
    assert compose.manage_url(config, booking, client) == f"{expected}/bookings/{booking.public_id}"
