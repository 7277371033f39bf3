"""The customer paying in their own currency (Adaptive Pricing): the ``localize`` control route."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.stripe]


def test_a_localized_session_is_paid_in_the_customers_currency(new_session, stripe_control, pay, stripe_client):
    session = new_session()
    answer = stripe_control.post(
        f"/checkout/sessions/{session.id}/localize", json={"currency": "EUR", "fx_rate": "1.17"}
    )
    assert answer.status_code == 200, answer.text
    localized = answer.json()["checkout_session"]
    assert (localized["currency"], localized["amount_total"]) == ("eur", round(session.amount_total * 1.17))
    assert localized["currency_conversion"] == {
        "amount_subtotal": session.amount_subtotal,
        "amount_total": session.amount_total,
        "fx_rate": "1.17",
        "source_currency": session.currency,
    }
    intent_id = pay(session.id)["payment_intent"]["id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.currency) == (localized["amount_total"], "eur")
    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (done.amount_total, done.currency, done.payment_status) == (localized["amount_total"], "eur", "paid")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"currency": "eur"}, 400),
        ({"currency": "euro", "fx_rate": "1.1"}, 400),
        ({"currency": "eur", "fx_rate": "0"}, 400),
    ],
)
def test_bad_localize_requests_are_refused(new_session, stripe_control, body, status):
    session = new_session()
    assert stripe_control.post(f"/checkout/sessions/{session.id}/localize", json=body).status_code == status


def test_a_session_whose_payment_started_cannot_change_currency(new_session, stripe_control, pay):
    session = new_session()
    pay(session.id)
    answer = stripe_control.post(
        f"/checkout/sessions/{session.id}/localize", json={"currency": "eur", "fx_rate": "1.1"}
    )
    assert answer.status_code == 400 and answer.json()["code"] == "checkout_session_not_open", answer.text
