"""A contract case fails as soon as the provider stops sending what the app's code reads.

Each pair names a case and a field the app reads from the provider's answer
(or message); the same case with that field renamed must fail when the app's
real code runs against it. So a consumer case cannot pass while checking
nothing, and a provider renaming a field is caught on the consumer side too.
"""

from __future__ import annotations

import pytest
from pact.error import MismatchesError

from contracts.consumer import calendly_api_cases as calendly_api
from contracts.consumer import calendly_webhook_cases as calendly_webhooks
from contracts.consumer import consumer_app
from contracts.consumer import sendgrid_api_cases as sendgrid_api
from contracts.consumer import sendgrid_webhook_cases as sendgrid_webhooks
from contracts.consumer import stripe_api_cases as stripe_api
from contracts.consumer import stripe_webhook_cases as stripe_webhooks
from contracts.support.cases import run_case, with_renamed_field

pytestmark = pytest.mark.contract

READ_FIELDS = [
    (calendly_api.AVAILABLE_TIMES, "start_time"),
    (calendly_api.BOOK, "uri"),
    (calendly_api.INVITEE, "tracking"),
    (calendly_api.REGISTER, "current_organization"),
    (calendly_api.RECONCILE, "event_type"),
    (calendly_webhooks.CASES[0], "scheduled_event"),
    (calendly_webhooks.CASES[2], "cancellation"),
    (calendly_webhooks.CASES[5], "no_show"),
    (calendly_webhooks.CASES[7], "questions_and_answers"),
    (stripe_api.OPEN_CHECKOUT, "url"),
    (stripe_api.EXPIRE_PAID, "status"),
    (stripe_api.REFUND, "amount"),
    (stripe_api.LIST_REFUNDS, "status"),
    (stripe_webhooks.CASES[0], "payment_status"),
    (stripe_webhooks.CASES[6], "last_payment_error"),
    (stripe_webhooks.CASES[7], "payment_method_details"),
    (stripe_webhooks.CASES[9], "amount"),
    (sendgrid_api.UNKNOWN, "field"),
    (sendgrid_api.UNKNOWN, "errors"),
    (sendgrid_webhooks.CASES[0], "email"),
    (sendgrid_webhooks.CASES[0], "outbox_id"),
    (sendgrid_webhooks.CASES[0], "reason"),
    (sendgrid_webhooks.CASES[1], "type"),
    (sendgrid_webhooks.CASES[2], "reason"),
]


@pytest.fixture(autouse=True)
def own_consumer_app():
    """A fresh app (and database) around each renamed run: message cases name fixed booking and event ids,
    so a second run in the same app would fail on those (a duplicate event, a taken booking id) instead."""
    consumer_app.stop()
    yield
    consumer_app.stop()


@pytest.mark.parametrize(("case", "field"), READ_FIELDS, ids=[f"{c.id} / {f}" for c, f in READ_FIELDS])
def test_renaming_a_field_the_app_reads_fails_the_case(case, field):
    with pytest.raises(Exception) as raised:
        run_case(with_renamed_field(case, field, f"renamed_{field}"))
    assert not isinstance(raised.value, MismatchesError), "the app's own code must be what fails"
