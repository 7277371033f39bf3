"""Sequences the chaos state machine found, kept as regression tests (each one failed before its fix)."""

from __future__ import annotations

import pytest

from tests.chaos import invariants

pytestmark = [pytest.mark.chaos, pytest.mark.database]


def test_a_calendly_reschedule_onto_a_time_held_for_payment_is_a_dead_letter_not_a_stuck_retry(start_world):
    """A paid booking holds a time while its client pays; Calendly does not know it yet (paid bookings reach
    the calendar once paid), so an invitee can reschedule onto that time there. The app cannot move the
    booking: the new half is refused as unprocessable (a dead letter, the old booking kept), never a
    handler crashing on a transaction the failed flush had closed, retried forever."""
    world = start_world()
    world.book("paid", 1)
    world.book("free", 0)
    world.calendly_reschedule(1, 1, "created_first")
    world.settle_deliveries()
    invariants.always(world)
    events = world._ok(world.admin.get("/admin/api/webhooks", params={"event_type": "invitee.created"}))["events"]
    assert all(e["status"] in ("processed", "ignored", "dead") for e in events), events
