"""Playing Stripe's side in scenarios: the customer on the hosted page, faults, deliveries, and what moved.

The customer's actions go through the simulator's control routes (``pay``,
``authenticate``) or its hosted page; faults are API faults
(``/_sim/stripe/faults``) and delivery plans (``/_sim/plans``); what Stripe
holds is read through stripe-python pointed at the simulator, exactly as the
app reads it. Every wait is on a condition with a deadline.
"""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from harness import http_clients
from harness.answers import object_field, objects_field, str_field, strings_field
from harness.journal import attempt_lines
from harness.simulator import SimulatorHandle
from harness.waiting import wait_until


class StripeDriver:
    def __init__(self, sim: SimulatorHandle, secret_key: str) -> None:
        self.control = http_clients.client(base_url=f"{sim.url}/_sim", timeout=30)
        self.api = stripe.StripeClient(secret_key, base_addresses={"api": f"{sim.url}/stripe"}, max_network_retries=0)
        # On simulators shared with earlier scenarios (a deployed target's, one scenario at a time): the
        # journal's deliveries up to this sequence number are theirs. None: the whole journal is this one's.
        self.since: int | None = None

    def close(self) -> None:
        self.control.close()

    @staticmethod
    def _ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, (
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else {}

    # --- the customer -------------------------------------------------------------------

    def pay(self, session_id: str, card: str = "4242424242424242", **extra: Any) -> httpx.Response:
        return self.control.post(f"/stripe/checkout/sessions/{session_id}/pay", json={"card": card, **extra})

    # --- faults ---------------------------------------------------------------------------

    def fault(self, **spec: Any) -> dict[str, Any]:
        return self._ok(self.control.post("/stripe/faults", json=spec))

    def down(self, mode: str | None) -> None:
        self._ok(self.control.post("/stripe/faults", json={"down": mode}))

    def clear_faults(self) -> None:
        self._ok(self.control.delete("/stripe/faults"))

    def faults(self) -> dict[str, Any]:
        return self._ok(self.control.get("/stripe/faults"))

    def plan(
        self, plan: dict[str, Any], event_type: str | None = "checkout.session.completed", times: int | None = 1
    ) -> None:
        self._ok(
            self.control.post(
                "/plans", json={"provider": "stripe", "plan": plan, "event_type": event_type, "times": times}
            )
        )

    def roll_secret(self, expires_in: float) -> str:
        [endpoint] = self.state()["webhook_endpoints"]
        return str_field(
            self._ok(
                self.control.post(
                    f"/stripe/webhook_endpoints/{endpoint['id']}/roll_secret", json={"expires_in": expires_in}
                )
            ),
            "secret",
        )

    # --- time and deliveries --------------------------------------------------------------

    def advance(self, seconds: float) -> list[dict[str, Any]]:
        return objects_field(self._ok(self.control.post("/clock/advance", json={"seconds": seconds})), "attempts")

    def expire_due_sessions(self) -> list[str]:
        return strings_field(self._ok(self.control.post("/stripe/checkout/sessions/expire_due")), "expired")

    def attempts(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The journal's attempts (only those of deliveries after ``since``, when it is set)."""
        params: dict[str, str | int] = {"provider": "stripe", "after": self.since or 0}
        if event_type:
            params["event_type"] = event_type
        return objects_field(self._ok(self.control.get("/deliveries", params=params)), "attempts")

    def wait_attempts(self, event_type: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Until at least ``count`` attempts of ``event_type`` were answered."""

        def answered() -> list[dict[str, Any]] | None:
            rows = [a for a in self.attempts(event_type) if a["response_status"] is not None or a["error"]]
            return rows if len(rows) >= count else None

        return wait_until(
            answered,
            timeout=timeout,
            what=f"{count} answered attempt(s) of {event_type}",
            seen=lambda: attempt_lines(self.control.get("/deliveries", params={"provider": "stripe"}).json()),
        )

    def wait_delivered(self, timeout: float = 20.0) -> None:
        """Until no Stripe delivery is waiting to be sent now (failed ones wait for their retry time)."""

        def idle() -> bool:
            rows = self._ok(self.control.get("/pending", params={"provider": "stripe"}))["deliveries"]
            return not [d for d in rows if d["status"] in ("pending", "held")]

        wait_until(idle, timeout=timeout, what="Stripe's deliveries to be sent")

    # --- what Stripe holds ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self._ok(self.control.get("/stripe/state"))

    def sessions_for(self, booking_id: str) -> list[dict[str, Any]]:
        return [
            s
            for s in self.state()["checkout_sessions"]
            if s["client_reference_id"] == booking_id or s["metadata"].get("bookingId") == booking_id
        ]

    def refunds_for(self, booking_id: str) -> list[dict[str, Any]]:
        """Every refund Stripe holds for a booking's payments, whatever its status."""
        state = self.state()
        intents = {i["id"] for i in state["payment_intents"] if i["metadata"].get("bookingId") == booking_id}
        return [r for r in state["refunds"] if r["payment_intent"] in intents]

    def settle_refund(self, refund_id: str) -> dict[str, Any]:
        """The later status change of an asynchronous refund (Stripe's refund test cards) happens now."""
        return object_field(self._ok(self.control.post(f"/stripe/refunds/{refund_id}/settle")), "refund")

    def money_for(self, booking_id: str) -> dict[str, Any]:
        """What moved for a booking: captured charges and refunds, in minor units."""
        state = self.state()
        intents = {i["id"] for i in state["payment_intents"] if i["metadata"].get("bookingId") == booking_id}
        charges = [c for c in state["charges"] if c["payment_intent"] in intents and c["status"] == "succeeded"]
        refunds = [r for r in state["refunds"] if r["payment_intent"] in intents and r["status"] == "succeeded"]
        return {
            "captured": [c["amount"] for c in charges],
            "refunded": [r["amount"] for r in refunds],
            "currencies": sorted({c["currency"] for c in charges}),
        }
