"""Drive the Stripe simulator through every flow it simulates and keep every body it answers.

The flows are the booking service's (a paid checkout, a refund, an expiry)
plus what can go wrong around them: declines, 3-D Secure passed and failed,
bank debits that settle or fail, refunds that stay pending or fail later,
webhook endpoint management, and the error bodies of bad requests, missing
objects, a bad key, rate limits and outages. Requests go over HTTP in
Stripe's form encoding (the way stripe-python sends them); each answer is
recorded with the operation of Stripe's description it belongs to, so the
checks can validate it against that operation's response schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

KEY = "sk_test_fidelity"
CARD_FLOWS = {  # card -> what happens on the hosted page
    "4242424242424242": None,
    "4000000000000002": None,
    "4000000000009995": None,
    "4100000000000019": None,
    "4000002500003155": "pass",
    "4000002760003184": "fail",
    "4000008400001629": "pass",
    "4000000000007726": None,
    "4000000000005126": None,
}


@dataclass
class Answer:
    method: str
    template: str  # the path as Stripe's description names it, e.g. /v1/refunds/{refund}
    status: int
    body: Any


def form(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's bracketed form encoding (``line_items[0][price_data][currency]=eur``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += form(value, name)
        elif isinstance(value, list):
            pairs += form(dict(enumerate(value)), name)
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return pairs


class StripeProbe:
    def __init__(self, simulator_url: str) -> None:
        self.api = httpx.Client(
            base_url=f"{simulator_url}/stripe", timeout=30, headers={"Authorization": f"Bearer {KEY}"}
        )
        self.control = httpx.Client(base_url=f"{simulator_url}/_sim/stripe", timeout=30)
        self.answers: list[Answer] = []

    def close(self) -> None:
        self.api.close()
        self.control.close()

    def call(
        self,
        method: str,
        template: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **ids: str,
    ) -> Any:
        path = template.format(**ids)
        encoded = form(params or {})
        if method == "get":
            response = self.api.get(path, params=encoded, headers=headers)
        else:
            response = self.api.request(
                method.upper(),
                path,
                content=httpx.QueryParams(encoded).__str__(),
                headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
            )
        self.answers.append(Answer(method, template, response.status_code, response.json()))
        return response.json()

    def act(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.control.post(path, json=body or {})
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        return response.json()

    def session(self, reference: str, **extra: Any) -> dict[str, Any]:
        return self.call(
            "post",
            "/v1/checkout/sessions",
            {
                "mode": "payment",
                "success_url": "https://app.example/paid?session={CHECKOUT_SESSION_ID}",
                "cancel_url": "https://app.example/cancel",
                "client_reference_id": reference,
                "customer_email": "client@example.com",
                "metadata": {"booking_id": reference},
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": 4500,
                            "product_data": {"name": "Pathway session", "description": "One hour with a builder"},
                        },
                    }
                ],
                **extra,
            },
        )

    def look_at_session(self, session_id: str) -> dict[str, Any]:
        session = self.call("get", "/v1/checkout/sessions/{session}", session=session_id)
        self.call(
            "get",
            "/v1/checkout/sessions/{session}",
            {"expand": ["payment_intent.latest_charge", "line_items"]},
            session=session_id,
        )
        self.call("get", "/v1/checkout/sessions/{session}/line_items", session=session_id)
        if session["payment_intent"]:
            intent = self.call("get", "/v1/payment_intents/{intent}", intent=session["payment_intent"])
            if intent["latest_charge"]:
                self.call("get", "/v1/charges/{charge}", charge=intent["latest_charge"])
        return session

    def card_flows(self) -> dict[str, dict[str, Any]]:
        paid: dict[str, dict[str, Any]] = {}
        for card, three_d_secure in CARD_FLOWS.items():
            session = self.session(f"bk_{card[-4:]}")
            body = {"card": card, "name": "Ada Lovelace"}
            if three_d_secure:
                self.act(f"/checkout/sessions/{session['id']}/pay", body)
                self.act(f"/checkout/sessions/{session['id']}/authenticate", {"outcome": three_d_secure})
            else:
                self.act(f"/checkout/sessions/{session['id']}/pay", {**body, "three_d_secure": None})
            paid[card] = self.look_at_session(session["id"])
        return paid

    def bank_debits(self) -> None:
        for outcome in ("succeeded", "failed"):
            session = self.session(f"bk_bank_{outcome}", payment_method_types=["card", "us_bank_account"])
            self.act(f"/checkout/sessions/{session['id']}/pay", {"payment_method": "us_bank_account"})
            self.look_at_session(session["id"])
            self.act(f"/checkout/sessions/{session['id']}/settle", {"outcome": outcome})
            self.look_at_session(session["id"])

    def refunds(self, paid: dict[str, dict[str, Any]]) -> None:
        intent = paid["4242424242424242"]["payment_intent"]
        self.call("post", "/v1/refunds", {"payment_intent": intent, "amount": 1000, "reason": "requested_by_customer"})
        refund = self.call("post", "/v1/refunds", {"payment_intent": intent, "metadata": {"booking_id": "bk_4242"}})
        self.call("post", "/v1/refunds/{refund}", {"metadata": {"note": "client cancelled"}}, refund=refund["id"])
        for card in ("4000000000007726", "4000000000005126"):
            refund = self.call("post", "/v1/refunds", {"payment_intent": paid[card]["payment_intent"]})
            self.act(f"/refunds/{refund['id']}/settle")
            self.call("get", "/v1/refunds/{refund}", refund=refund["id"])
        self.call("get", "/v1/refunds", {"limit": 100})
        self.call("get", "/v1/refunds", {"payment_intent": intent})

    def expiry(self) -> None:
        session = self.session("bk_expired")
        self.call("post", "/v1/checkout/sessions/{session}/expire", session=session["id"])
        declined = self.session("bk_declined_then_expired")
        self.act(f"/checkout/sessions/{declined['id']}/pay", {"card": "4000000000000002"})
        self.call("post", "/v1/checkout/sessions/{session}/expire", session=declined["id"])
        self.look_at_session(declined["id"])
        self.call("get", "/v1/checkout/sessions", {"limit": 100})
        self.call("get", "/v1/checkout/sessions", {"limit": 2, "expand": ["data.payment_intent"]})

    def webhook_endpoints(self) -> None:
        created = self.call(
            "post",
            "/v1/webhook_endpoints",
            {
                "url": "https://app.example/webhooks/stripe",
                "description": "booking service",
                "enabled_events": ["checkout.session.completed", "checkout.session.expired"],
            },
        )
        self.call("get", "/v1/webhook_endpoints")
        self.call("get", "/v1/webhook_endpoints/{webhook_endpoint}", webhook_endpoint=created["id"])
        self.call(
            "post",
            "/v1/webhook_endpoints/{webhook_endpoint}",
            {"disabled": True, "metadata": {"a": "b"}},
            webhook_endpoint=created["id"],
        )
        self.call("delete", "/v1/webhook_endpoints/{webhook_endpoint}", webhook_endpoint=created["id"])

    def errors(self) -> None:
        self.call("post", "/v1/checkout/sessions", {"mode": "payment"})
        self.call("post", "/v1/checkout/sessions", {"mode": "payment", "colour": "blue"})
        self.call("get", "/v1/checkout/sessions/{session}", session="cs_test_missing")
        self.call("post", "/v1/refunds", {"payment_intent": "pi_missing"})
        self.call("post", "/v1/checkout/sessions/{session}/expire", session=self.session("bk_twice")["id"])
        self.call("post", "/v1/checkout/sessions/{session}/expire", session=self.answers[-2].body["id"])
        self.call("get", "/v1/events/{id}", id="evt_missing")
        self.call("get", "/v1/checkout/sessions", headers={"Authorization": "Bearer sk_live_wrong"})
        self.call("post", "/v1/checkout/sessions", {"mode": "payment"}, headers={"Idempotency-Key": "k1"})
        self.call("post", "/v1/checkout/sessions", {"mode": "setup"}, headers={"Idempotency-Key": "k1"})
        for response in ("429", "500", "503"):
            self.act("/faults", {"path": "/v1/refunds", "response": response})
            self.call("get", "/v1/refunds")
        self.control.delete("/faults")

    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        after: dict[str, Any] = {}
        while True:
            page = self.call("get", "/v1/events", {"limit": 100, **after})
            events += page["data"]
            if not page["has_more"]:
                break
            after = {"starting_after": page["data"][-1]["id"]}
        for event in events[:3]:
            self.call("get", "/v1/events/{id}", id=event["id"])
        return events

    def run(self) -> list[dict[str, Any]]:
        """Every flow, in order; returns every event the simulator recorded (newest first)."""
        paid = self.card_flows()
        self.bank_debits()
        self.refunds(paid)
        self.expiry()
        self.webhook_endpoints()
        self.errors()
        return self.events()
