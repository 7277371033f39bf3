"""Provider states of the Stripe API pact, set up in the simulator through stripe-python and its control API.

Each setup returns the values the replayed requests need (provider-state
injected values): the session and PaymentIntent ids the simulator chose, and
the ``expires_at`` the app would ask for against the simulator's clock. Names
must match the ``State`` names in ``contracts/consumer/stripe_api_cases.py``.
"""

from __future__ import annotations

from typing import Any

from contracts.provider.stripe_sim import StripeSim


def key_accepted(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    return {"expires_at": str(sim.expiry_for_app())}


def clock_ahead(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    app_now = sim.now()
    sim.advance(3600)  # the app still computes its expiry from its own (earlier) clock
    return {"expires_at": str(sim.expiry_for_app(app_now))}


def rate_limited(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    sim.fault(method="POST", path="/v1/checkout/sessions", response="429", times=None)
    return key_accepted(sim, params)


def open_session(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    session = sim.open_session(params["secret_key"], params["booking_id"])
    return {"session_id": session.id}


def paid_session(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    session = sim.open_session(params["secret_key"], params["booking_id"], params.get("amount", 5000))
    outcome = sim.pay(session.id)
    assert outcome["outcome"] == "succeeded", outcome
    return {"session_id": session.id, "payment_intent_id": outcome["checkout_session"]["payment_intent"]}


def refunded_from_dashboard(sim: StripeSim, params: dict[str, Any]) -> dict[str, Any]:
    values = paid_session(sim, params)
    sim.client(params["secret_key"]).v1.refunds.create(
        params={"payment_intent": values["payment_intent_id"], "reason": "requested_by_customer"}
    )
    return values


def setups(sim: StripeSim) -> dict[str, Any]:
    handlers = {
        "the app's secret key is accepted": key_accepted,
        "Stripe's clock is an hour ahead of the app's": clock_ahead,
        "Stripe is rate limiting the app's checkout sessions": rate_limited,
        "an open checkout session of the booking": open_session,
        "a checkout session of the booking paid by card": paid_session,
        "the booking's card payment was refunded in full from the Dashboard": refunded_from_dashboard,
    }
    return {name: (lambda params, handler=handler: handler(sim, params)) for name, handler in handlers.items()}
