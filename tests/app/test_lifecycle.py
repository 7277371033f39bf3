"""The booking status life cycle never moves backwards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app_under_test.lifecycle import ALLOWED, IllegalTransition, can_transition, transition
from app_under_test.models import Booking, BookingStatus

S = BookingStatus


@pytest.mark.parametrize(
    "current, target",
    [
        (S.PENDING_PAYMENT, S.CONFIRMED),
        (S.PENDING_PAYMENT, S.EXPIRED),
        (S.PENDING_PAYMENT, S.CANCELED),
        (S.CONFIRMED, S.CANCELED),
    ],
)
def test_allowed_moves(current, target):
    booking = Booking(status=current)
    transition(booking, target)
    assert booking.status is target


@pytest.mark.parametrize(
    "current, target",
    [
        (S.CONFIRMED, S.PENDING_PAYMENT),
        (S.CANCELED, S.CONFIRMED),
        (S.EXPIRED, S.CONFIRMED),
        (S.CANCELED, S.PENDING_PAYMENT),
        (S.CONFIRMED, S.EXPIRED),
    ],
)
def test_backward_moves_are_refused(current, target):
    booking = Booking(status=current)
    with pytest.raises(IllegalTransition):
        transition(booking, target)
    assert booking.status is current


@given(st.lists(st.sampled_from(list(BookingStatus)), max_size=12))
def test_any_sequence_of_requests_ends_in_a_reachable_state(targets):
    """Whatever order events ask for, terminal states stay terminal."""
    booking = Booking(status=S.PENDING_PAYMENT)
    for target in targets:
        before = booking.status
        if can_transition(before, target):
            transition(booking, target)
        if before in (S.CANCELED, S.EXPIRED):
            assert booking.status is before
    assert booking.status in ALLOWED
