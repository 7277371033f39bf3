"""One seed, the same calls -> the same ids and payloads; and the ``simulate stripe`` commands."""

from __future__ import annotations

import json

import pytest
import stripe

from harness import http_clients
from harness.servers import serve_in_thread
from simulators.cli import main
from simulators.server import create_simulator
from tests.simulators.stripe.conftest import API_KEY, session_params

pytestmark = [pytest.mark.stripe]


def scripted_run(url: str) -> dict:
    """A fixed sequence of calls; returns everything observable, minus wall-clock times."""
    client = stripe.StripeClient(API_KEY, base_addresses={"api": f"{url}/stripe"}, max_network_retries=0)
    paid = client.v1.checkout.sessions.create(params=session_params())
    declined = client.v1.checkout.sessions.create(params=session_params())
    with http_clients.client(base_url=f"{url}/_sim/stripe") as control:
        control.post(f"/checkout/sessions/{paid.id}/pay", json={"card": "4242424242424242"})
        control.post(f"/checkout/sessions/{declined.id}/pay", json={"card": "4000000000000002"})
        control.post("/webhook_endpoints", json={"url": "http://127.0.0.1:9/hook"})
    client.v1.refunds.create(params={"payment_intent": client.v1.checkout.sessions.retrieve(paid.id).payment_intent})
    events = client.v1.events.list(params={"limit": 100}).data
    return {
        "sessions": [paid.id, declined.id],
        "events": [(e.id, e.type, e.data.object.id) for e in events],
        "state_ids": json.dumps(
            {
                k: [o["id"] for o in v]
                for k, v in _state(url).items()
                if k in ("payment_intents", "charges", "refunds", "webhook_endpoints")
            }
        ),
    }


def _state(url: str) -> dict:
    return http_clients.get(f"{url}/_sim/stripe/state").json()


def run_once(seed: int) -> dict:
    sim = create_simulator(seed=seed, auto_deliver=False)
    running = serve_in_thread(sim.wsgi_app)
    try:
        return scripted_run(running.url)
    finally:
        running.stop()
        sim.hub.engine.close()


def test_same_seed_same_ids_and_events():
    first, second = run_once(7), run_once(7)
    assert first == second
    assert run_once(8)["sessions"] != first["sessions"]


def test_reset_replays_the_same_ids(simulator, control):
    before = scripted_run(simulator.url)
    assert control.post("/reset", json={}).status_code == 200
    assert _state(simulator.url)["checkout_sessions"] == []
    assert scripted_run(simulator.url) == before


@pytest.fixture
def simulate(simulator, capsys):
    def run(*args: str):
        code = main([*args, "--url", simulator.url])
        return code, capsys.readouterr().out

    return run


def test_cli_pays_declines_settles_and_expires(simulate, new_session, stripe_client):
    paid, declined, bank, doomed = new_session(), new_session(), new_session(), new_session()
    code, out = simulate("stripe", "pay", paid.id, "--card", "4000002500003155", "--3ds", "pass")
    assert code == 0 and out.startswith(f"succeeded: {paid.id} complete/paid")
    code, out = simulate("stripe", "pay", declined.id, "--card", "4000000000009995")
    assert code == 0 and out.startswith("declined:") and "(card_declined: Your card has insufficient funds.)" in out
    code, out = simulate("stripe", "pay", bank.id, "--bank")
    assert code == 0 and out.startswith("processing:")
    code, out = simulate("stripe", "settle", bank.id)
    assert code == 0 and out.startswith("settled:")
    code, out = simulate("stripe", "expire", doomed.id)
    assert code == 0 and doomed.id in out
    assert stripe_client.v1.checkout.sessions.retrieve(paid.id).payment_status == "paid"
    assert stripe_client.v1.checkout.sessions.retrieve(bank.id).payment_status == "paid"
    assert stripe_client.v1.checkout.sessions.retrieve(doomed.id).status == "expired"


def test_cli_faults_and_config(simulate, stripe_client, api_base):
    code, out = simulate("stripe", "fault", "--method", "POST", "--path", "/v1/checkout/sessions", "--response", "429")
    assert code == 0 and "-> 429 before processing (next 1)" in out
    with pytest.raises(stripe.RateLimitError):
        stripe_client.v1.checkout.sessions.create(params=session_params())
    assert simulate("stripe", "fault", "--down")[0] == 0
    with pytest.raises(stripe.APIError):
        stripe_client.v1.checkout.sessions.list()
    assert simulate("stripe", "fault", "--clear") == (0, "faults cleared\n")
    code, out = simulate("stripe", "config", "--api-key", "sk_test_only_this", "--retry", "live")
    assert code == 0 and "sk_test_only_this" in out and "live" in out
    with pytest.raises(stripe.AuthenticationError):
        stripe_client.v1.checkout.sessions.list()


def test_cli_reports_control_errors(simulate):
    assert simulate("stripe", "pay", "cs_test_missing")[0] == 1
