"""The Stripe simulator driven the way the provider tests need it: stripe-python for the API, control routes
for what a customer or Stripe itself does (pay on the hosted page, settle a bank debit, expire, fail).

Provider states and the webhook source both set the simulated account up
here. Nothing reaches into the simulator's objects: what the tests see is
what an app holding the secret key would see.
"""

from __future__ import annotations

import math
from typing import Any

import stripe

from harness import http_clients

APP_URL = "https://bookings.example"


class StripeSim:
    def __init__(self, simulator_url: str) -> None:
        self.url = simulator_url.rstrip("/")
        self.http = http_clients.client(base_url=self.url, timeout=30)

    def client(self, secret_key: str) -> stripe.StripeClient:
        return stripe.StripeClient(secret_key, base_addresses={"api": f"{self.url}/stripe"}, max_network_retries=0)

    def control(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, f"/_sim/stripe{path}", **kwargs)
        if response.status_code >= 300:
            raise AssertionError(f"{method} /_sim/stripe{path} -> {response.status_code}: {response.text[:500]}")
        return response.json()

    def now(self) -> float:
        return self.http.get("/_sim/clock").json()["virtual_now"]

    def advance(self, seconds: float) -> None:
        self.http.post("/_sim/clock/advance", json={"seconds": seconds}).raise_for_status()

    def expiry_for_app(self, now: float | None = None) -> int:
        """The ``expires_at`` the app asks for at ``now``: 31 minutes on, rounded up to a whole minute."""
        return int(math.ceil(((self.now() if now is None else now) + 31 * 60) / 60) * 60)

    def open_session(
        self,
        secret_key: str,
        booking_id: str,
        amount: int = 5000,
        currency: str = "gbp",
        *,
        payment_method_types: list[str] | None = None,
    ) -> stripe.checkout.Session:
        params: dict[str, Any] = {
            "mode": "payment",
            "metadata": {"bookingId": booking_id},
            "client_reference_id": booking_id,
            "customer_email": "grace@example.com",
            "line_items": [
                {
                    "price_data": {
                        "currency": currency,
                        "unit_amount": amount,
                        "product_data": {"name": "Intro with Ada Lovelace"},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": {"metadata": {"bookingId": booking_id, "attempt": "1"}},
            "success_url": f"{APP_URL}/bookings/{booking_id}/paid?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{APP_URL}/bookings/{booking_id}/payment-canceled",
        }
        if payment_method_types:
            params["payment_method_types"] = payment_method_types
        return self.client(secret_key).v1.checkout.sessions.create(params=params)

    def pay(self, session_id: str, card: str = "4242424242424242", **extra: Any) -> dict[str, Any]:
        return self.control(
            "POST",
            f"/checkout/sessions/{session_id}/pay",
            json={"card": card, "exp_month": 12, "exp_year": 2040, "cvc": "123", **extra},
        )

    def pay_by_bank(self, session_id: str) -> dict[str, Any]:
        return self.control("POST", f"/checkout/sessions/{session_id}/pay", json={"payment_method": "us_bank_account"})

    def settle(self, session_id: str, outcome: str) -> dict[str, Any]:
        return self.control("POST", f"/checkout/sessions/{session_id}/settle", json={"outcome": outcome})

    def settle_refund(self, refund_id: str) -> dict[str, Any]:
        """The later change of a refund of one of Stripe's asynchronous refund cards happens now."""
        return self.control("POST", f"/refunds/{refund_id}/settle")["refund"]

    def expire(self, session_id: str) -> dict[str, Any]:
        return self.control("POST", f"/checkout/sessions/{session_id}/expire")

    def fault(self, **spec: Any) -> dict[str, Any]:
        return self.control("POST", "/faults", json=spec)

    def endpoint(self, url: str, secret: str) -> dict[str, Any]:
        return self.control("POST", "/webhook_endpoints", json={"url": url, "enabled_events": ["*"], "secret": secret})

    def close(self) -> None:
        self.http.close()
