"""Stripe's test cards: the card number decides what happens, as in test mode.

Faults are driven by data, the way Stripe itself does it: an app's "declined
card" path is exercised by typing 4000000000000002, not by flipping a flag.
``validate`` mirrors the checks Stripe's payment form makes before anything
reaches the API (number format and Luhn, expiry in the future, CVC length);
those errors never create a PaymentIntent or an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str

    def as_error(self, charge_id: str | None = None) -> dict[str, object]:
        """The error as Stripe gives it: ``charge`` and ``decline_code`` are left out, never null, when absent."""
        error: dict[str, object] = {
            "type": "card_error",
            "code": self.code,
            "message": self.message,
            "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}",
        }
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        if charge_id is not None:
            error["charge"] = charge_id
        return error


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    decline: Decline | None = None  # declined at authorisation (or after 3DS when three_d_secure)
    three_d_secure: bool = False
    # How a refund of this card's charge behaves: "immediate" (succeeds and stays so), "pending_then_succeeded"
    # or "succeeded_then_failed" (Stripe's asynchronous refund cards; the change happens when settled).
    refund: str = "immediate"


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
AUTHENTICATION_FAILED = Decline(
    "payment_intent_authentication_failure",
    None,
    "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
)
LIVE_CARD_IN_TEST_MODE = Decline(
    "card_declined",
    "test_mode_live_card",
    "Your card was declined. Your request was in test mode, but used a non test card. "
    "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
)
BANK_DEBIT_FAILED = Decline(
    "payment_method_provider_decline", "insufficient_funds", "The customer's bank account could not be debited."
)

CARDS: dict[str, TestCard] = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa"),
        TestCard("4000056655665556", "visa", funding="debit"),
        TestCard("5555555555554444", "mastercard"),
        TestCard("378282246310005", "amex"),
        TestCard("4000000000000002", "visa", decline=GENERIC),
        TestCard(
            "4000000000009995",
            "visa",
            decline=Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
        ),
        TestCard("4000000000000069", "visa", decline=Decline("expired_card", "expired_card", "Your card has expired.")),
        TestCard(
            "4000000000000127",
            "visa",
            decline=Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
        ),
        TestCard(
            "4000000000000119",
            "visa",
            decline=Decline(
                "processing_error",
                "processing_error",
                "An error occurred while processing your card. Try again in a little bit.",
            ),
        ),
        TestCard("4100000000000019", "visa", decline=Decline("card_declined", "fraudulent", "Your card was declined.")),
        TestCard("4000002500003155", "visa", three_d_secure=True),
        TestCard("4000002760003184", "visa", three_d_secure=True),
        TestCard("4000008400001629", "visa", three_d_secure=True, decline=GENERIC),
        TestCard("4000000000007726", "visa", refund="pending_then_succeeded"),
        TestCard("4000000000005126", "visa", refund="succeeded_then_failed"),
    )
}


class CardInputError(ValueError):
    """The payment form refuses the input (shown next to the field, nothing is charged)."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class CardInput:
    card: TestCard
    exp_month: int
    exp_year: int

    @property
    def last4(self) -> str:
        return self.card.number[-4:]


def validate(number: str, expiry: str | None, cvc: str | None, now: float) -> CardInput:
    """Check what the customer typed; ``expiry`` is ``MM/YY`` (or ``MM / YYYY``); None skips a check."""
    digits = "".join(number.split())
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        raise CardInputError("card_number", "incorrect_number", "Your card number is incorrect.")
    card = CARDS.get(digits) or TestCard(digits, _brand(digits), decline=LIVE_CARD_IN_TEST_MODE)
    today = datetime.fromtimestamp(now, tz=UTC)
    month, year = today.month, today.year + 2
    if expiry is not None:
        month, year = _parse_expiry(expiry)
        if (year, month) < (today.year, today.month):
            raise CardInputError("card_expiry", "invalid_expiry_year", "Your card's expiration date is in the past.")
    if cvc is not None:
        wanted = 4 if card.brand == "amex" else 3
        if not cvc.strip().isdigit() or len(cvc.strip()) != wanted:
            raise CardInputError("card_cvc", "incomplete_cvc", "Your card's security code is incomplete.")
    return CardInput(card, month, year)


def _parse_expiry(expiry: str) -> tuple[int, int]:
    parts = [p.strip() for p in expiry.replace(" ", "").split("/")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= 12:
        raise CardInputError("card_expiry", "incomplete_expiry", "Your card's expiration date is incomplete.")
    year = int(parts[1])
    return int(parts[0]), year + 2000 if year < 100 else year


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "mastercard"
    return "unknown"
