"""Refunds that change after they are created: Stripe's asynchronous refund cards, and metadata updates.

Stripe's testing guide: a refund of a 4000000000007726 charge begins
``pending`` and later turns ``succeeded`` with ``refund.updated``; one of a
4000000000005126 charge begins ``succeeded`` and later turns ``failed`` with
``refund.failed``. Other cards' refunds never change status.
"""

from __future__ import annotations

import pytest
import stripe

PENDING_THEN_SUCCEEDED, SUCCEEDED_THEN_FAILED = "4000000000007726", "4000000000005126"


@pytest.fixture
def refund_of(new_session, pay, stripe_client):
    def refund(card: str) -> stripe.Refund:
        intent_id = pay(new_session().id, card)["payment_intent"]["id"]
        return stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "reason": "requested_by_customer"})

    return refund


def settle(stripe_control, refund_id: str):
    return stripe_control.post(f"/refunds/{refund_id}/settle")


def test_a_pending_refund_succeeds_later_with_refund_updated(refund_of, stripe_control, stripe_client, event_types):
    refund = refund_of(PENDING_THEN_SUCCEEDED)
    assert refund.status == "pending"
    assert event_types(type="refund.*") == ["refund.created"]

    settled = settle(stripe_control, refund.id)

    assert settled.status_code == 200, settled.text
    assert settled.json()["refund"]["status"] == "succeeded"
    assert stripe_client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert event_types(type="refund.*") == ["refund.created", "refund.updated"]
    updated = stripe_client.v1.events.list(params={"type": "refund.updated"}).data[0]
    assert updated.data.object.status == "succeeded"
    assert updated.data.previous_attributes.to_dict() == {"status": "pending"}
    charge = stripe_client.v1.charges.retrieve(refund.charge)
    assert (charge.refunded, charge.amount_refunded) == (True, 4500)


def test_a_succeeded_refund_fails_later_with_refund_failed(refund_of, stripe_control, stripe_client, event_types):
    refund = refund_of(SUCCEEDED_THEN_FAILED)
    assert refund.status == "succeeded"
    assert stripe_client.v1.charges.retrieve(refund.charge).amount_refunded == 4500

    settled = settle(stripe_control, refund.id)

    assert settled.status_code == 200, settled.text
    failed = stripe_client.v1.refunds.retrieve(refund.id)
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    assert failed.failure_balance_transaction.startswith("txn_")
    assert event_types(type="refund.*") == ["refund.created", "refund.failed"]
    assert stripe_client.v1.events.list(params={"type": "refund.failed"}).data[0].data.object.status == "failed"
    charge = stripe_client.v1.charges.retrieve(refund.charge)
    assert (charge.refunded, charge.amount_refunded) == (False, 0)  # the money did not go back after all


def test_a_refund_changes_once_and_only_on_the_asynchronous_cards(refund_of, stripe_control, event_types):
    refund = refund_of(PENDING_THEN_SUCCEEDED)
    assert settle(stripe_control, refund.id).status_code == 200

    again = settle(stripe_control, refund.id)
    immediate = settle(stripe_control, refund_of("4242424242424242").id)
    missing = settle(stripe_control, "re_missing")

    assert again.status_code == 409 and again.json()["code"] == "nothing_to_settle"
    assert immediate.status_code == 409 and "asynchronous refund cards" in immediate.json()["error"]
    assert missing.status_code == 404
    assert event_types(type="refund.updated") == ["refund.updated"]


def test_updating_a_refunds_metadata_emits_refund_updated_with_the_old_metadata(
    new_session, pay, stripe_client, event_types
):
    intent_id = pay(new_session().id)["payment_intent"]["id"]
    refund = stripe_client.v1.refunds.create(
        params={"payment_intent": intent_id, "metadata": {"bookingId": "bk_1", "note": "first"}}
    )

    updated = stripe_client.v1.refunds.update(refund.id, params={"metadata": {"note": "", "ticket": "T-7"}})
    unchanged = stripe_client.v1.refunds.update(refund.id, params={"metadata": {"ticket": "T-7"}})

    assert updated.metadata.to_dict() == {"bookingId": "bk_1", "ticket": "T-7"}  # "" unset "note"
    assert unchanged.metadata.to_dict() == {"bookingId": "bk_1", "ticket": "T-7"}
    assert event_types(type="refund.updated") == ["refund.updated"]  # no change, no event
    event = stripe_client.v1.events.list(params={"type": "refund.updated"}).data[0]
    assert event.data.previous_attributes.to_dict() == {"metadata": {"bookingId": "bk_1", "note": "first"}}
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.refunds.update(refund.id, params={"amount": 10})
    assert unknown.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.refunds.update("re_missing", params={"metadata": {"a": "b"}})
    assert missing.value.code == "resource_missing"
