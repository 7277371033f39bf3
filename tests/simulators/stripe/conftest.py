"""Fixtures for the Stripe simulator tests: stripe-python pointed at a live simulator.

``stripe_module`` configures the library's module globals (as most apps do) and
restores them afterwards; ``stripe_client`` is a ``StripeClient`` with its own
settings. ``control`` is an httpx client for ``/_sim``; ``new_session`` creates a
Checkout Session with sensible defaults through the real library.
"""

from __future__ import annotations

import httpx
import pytest
import stripe

from harness import http_clients
from harness.servers import serve_in_thread
from simulators.server import create_simulator

API_KEY = "sk_test_simulator_key"
SEED = 1234


@pytest.fixture(scope="package")
def _served_simulator():
    sim = create_simulator(seed=SEED, auto_deliver=False)
    running = serve_in_thread(sim.wsgi_app, name="stripe-simulator")
    sim.url = running.url
    yield sim
    running.stop()
    sim.hub.engine.close()


@pytest.fixture
def simulator(_served_simulator):
    """One server for the package (starting and stopping one per test costs half a second each), reset
    before every test through the same ``hub.reset`` the control API uses, so no state leaks between tests."""
    _served_simulator.hub.reset(SEED)
    return _served_simulator


@pytest.fixture
def api_base(simulator) -> str:
    return f"{simulator.url}/stripe"


@pytest.fixture
def stripe_module(api_base, monkeypatch):
    """stripe-python's module-level configuration aimed at the simulator (restored after the test)."""
    monkeypatch.setattr(stripe, "api_key", API_KEY)
    monkeypatch.setattr(stripe, "api_base", api_base)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return stripe


@pytest.fixture
def stripe_client(api_base) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": api_base}, max_network_retries=0)


@pytest.fixture
def control(simulator):
    with http_clients.client(base_url=f"{simulator.url}/_sim", timeout=30) as client:
        yield client


@pytest.fixture
def stripe_control(control):
    """Shortcut for the Stripe control routes: ``stripe_control.post("/faults", json=...)``."""

    class Scoped:
        def request(self, method: str, path: str, **kwargs) -> httpx.Response:
            return control.request(method, f"/stripe{path}", **kwargs)

        def get(self, path: str, **kwargs) -> httpx.Response:
            return self.request("GET", path, **kwargs)

        def post(self, path: str, **kwargs) -> httpx.Response:
            return self.request("POST", path, **kwargs)

        def delete(self, path: str, **kwargs) -> httpx.Response:
            return self.request("DELETE", path, **kwargs)

    return Scoped()


def session_params(**overrides) -> dict:
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 4500,
                    "product_data": {"name": "Portfolio review (60 min)"},
                },
                "quantity": 1,
            }
        ],
        "metadata": {"booking_id": "bk_123"},
        "client_reference_id": "bk_123",
        "customer_email": "client@example.com",
        "success_url": "https://app.example/bookings/bk_123/paid?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example/bookings/bk_123/cancelled?session_id={CHECKOUT_SESSION_ID}",
    }
    params.update(overrides)
    return params


@pytest.fixture
def new_session(stripe_client):
    def create(**overrides):
        return stripe_client.v1.checkout.sessions.create(params=session_params(**overrides))

    return create


@pytest.fixture
def pay(stripe_control):
    """Pay a session through the control route; returns the JSON answer."""

    def pay_session(session_id: str, card: str = "4242424242424242", **extra) -> dict:
        response = stripe_control.post(f"/checkout/sessions/{session_id}/pay", json={"card": card, **extra})
        assert response.status_code == 200, response.text
        return response.json()

    return pay_session


@pytest.fixture
def event_types(stripe_client):
    """Types of the events stored so far, oldest first."""

    def types(**filters) -> list[str]:
        listing = stripe_client.v1.events.list(params={"limit": 100, **filters})
        return [event.type for event in reversed(listing.data)]

    return types
