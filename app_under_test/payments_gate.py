"""The seam where a paid booking hands over to payment.

Until a payment provider is configured, paid sessions are listed and their
slots shown, but booking one is refused *before* anything is written.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app_under_test.config import Config
from app_under_test.models import Booking


class PaymentsUnavailable(Exception):
    pass


class _StartPayment:
    def check_available(self, config: Config) -> None:
        if not config.stripe_secret_key:
            raise PaymentsUnavailable("Paid sessions cannot be booked yet: payments are not configured.")

    def __call__(self, session: Session, booking: Booking) -> str:
        raise PaymentsUnavailable("Payments are not configured.")


start_payment = _StartPayment()
