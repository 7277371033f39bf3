"""Steps for the check of what was paid: a Checkout Session whose amount or currency is not the booking's price.

The mismatch is made through the Stripe simulator's control route ``localize`` (the customer choosing their
own currency on the hosted page); the app is observed through the booking JSON, the operator API and its
structured log (read with structlog's own ``capture_logs`` for the scenario's length).
"""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when
from structlog.testing import capture_logs

from harness.stripe_driver import StripeDriver
from harness.web import Visitor
from steps.support import booking_json


@pytest.fixture
def app_log(app_server):
    """Every structured log line of the app while the scenario runs (after the app configured its logging)."""
    with capture_logs() as lines:
        yield lines


@given("the app's log is recorded")
def record_app_log(app_log):
    assert app_log == []


@when(parsers.parse('the client chooses to pay in "{currency}" at the rate "{rate}" on Stripe\'s page'))
def choose_currency(stripe_sim: StripeDriver, checkout: dict, currency: str, rate: str):
    answer = stripe_sim.control.post(
        f"/stripe/checkout/sessions/{checkout['session_id']}/localize", json={"currency": currency, "fx_rate": rate}
    )
    assert answer.status_code == 200, answer.text
    session = answer.json()["checkout_session"]
    assert session["currency"] == currency and session["currency_conversion"]["fx_rate"] == rate, session


@then("the booking was never put on the builder's calendar")
def never_on_calendar(visitor: Visitor, checkout: dict):
    booking = booking_json(visitor, checkout["booking_id"])
    assert not booking["calendly_invitee_uri"], booking


@then("the sweep refused the booking instead of confirming it")
def sweep_refused(sweep: dict, checkout: dict):
    assert sweep["refused"] == [checkout["booking_id"]] and sweep["confirmed"] == [], sweep


@then(
    parsers.parse(
        'the operator API lists a payment of {paid:d} "{paid_currency}" against the price of {price:d} "{currency}", '
        "refunded"
    )
)
def operator_lists_mismatch(admin, checkout: dict, paid: int, paid_currency: str, price: int, currency: str):
    response = admin.get("/admin/api/payments/mismatches")
    assert response.status_code == 200, response.text
    [mismatch] = [m for m in response.json()["mismatches"] if m["booking"] == checkout["booking_id"]]
    assert mismatch["booking"] == checkout["booking_id"] and mismatch["booking_status"] == "canceled", mismatch
    assert mismatch["expected"] == {"amount_cents": price, "currency": currency}, mismatch
    assert mismatch["paid"] == {"amount_cents": paid, "currency": paid_currency}, mismatch
    assert mismatch["refunds"] == [{"amount_cents": paid, "status": "succeeded", "reason": "amount_mismatch"}]


@then(parsers.parse('the app logged "{event}" for the booking'))
def app_logged(app_log: list[dict], checkout: dict, event: str):
    lines = [line for line in app_log if line["event"] == event and line.get("booking") == checkout["booking_id"]]
    assert len(lines) == 1, [line["event"] for line in app_log]
    assert lines[0]["log_level"] == "error", lines[0]
