"""The booking status life cycle, as an explicit table of allowed moves.

    pending_payment --paid--> confirmed --cancel--> canceled
          |  \\--hold released--> expired
          \\--cancel--> canceled

Anything not listed is refused with ``IllegalTransition``, so a late or
duplicated event can never drag a booking backwards (e.g. confirmed -> pending).
"""

from __future__ import annotations

from datetime import datetime

from app_under_test.models import Booking, BookingStatus
from app_under_test.timeutil import utcnow

S = BookingStatus
ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.EXPIRED, S.CANCELED}),
    S.CONFIRMED: frozenset({S.CANCELED}),
    S.EXPIRED: frozenset(),
    S.CANCELED: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, current: BookingStatus, target: BookingStatus) -> None:
        super().__init__(f"a booking cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    return target in ALLOWED[current]


def transition(booking: Booking, target: BookingStatus, *, at: datetime | None = None) -> None:
    if not can_transition(booking.status, target):
        raise IllegalTransition(booking.status, target)
    booking.status = target
    booking.status_changed_at = at or utcnow()
