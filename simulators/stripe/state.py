"""Everything the simulated Stripe account holds, behind one lock.

The API routes, the hosted checkout page and the control routes are separate
Flask objects built from the same ``SimHub``; they share this one state object
(see ``for_hub``). Objects are stored as the JSON dicts the API returns, so a
snapshot in an event is a deep copy and nothing has to be serialised twice.
Events emitted under the lock wait in ``outbox`` and are handed to the delivery
engine only after the lock is released (the engine calls back into this state
to sign and to build variants, so holding both locks could deadlock).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from simulators.hub import SimHub
from simulators.stripe.faults import FaultBook
from simulators.stripe.idempotency import IdempotencyStore

API_VERSION = "2024-06-20"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Lengths of the random part of each id, as seen on real Stripe objects.
ID_LENGTHS = {"cs_test": 58, "req": 14, "prod": 14, "whsec": 32}
DEFAULT_ID_LENGTH = 24


@dataclass
class Config:
    api_keys: list[str] | None = None  # None: any ``sk_test_``/``rk_test_`` key is accepted
    retry: str = "test"  # "test" | "live": which Stripe retry schedule deliveries follow
    api_version: str = API_VERSION
    public_url: str | None = None  # base URL for hosted pages when the simulator sits behind a proxy


@dataclass
class Endpoint:
    id: str
    url: str
    enabled_events: list[str]
    created: int
    api_version: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    status: str = "enabled"
    # (secret, expires_at virtual seconds or None); the newest first
    secrets: list[tuple[str, float | None]] = field(default_factory=list)

    def active_secrets(self, now: float) -> list[str]:
        return [secret for secret, expires_at in self.secrets if expires_at is None or expires_at > now]

    def wants(self, event_type: str) -> bool:
        return self.status == "enabled" and ("*" in self.enabled_events or event_type in self.enabled_events)


@dataclass
class SessionExtras:
    """What a session knows but does not show: its line items and what its PaymentIntent will carry."""

    line_items: list[dict[str, Any]]
    allowed_methods: list[str] | None  # None: dynamic payment methods (card and delayed methods)
    intent_metadata: dict[str, str] = field(default_factory=dict)
    intent_description: str | None = None
    pending_card: dict[str, Any] | None = None  # card waiting on 3-D Secure


class StripeState:
    def __init__(self, hub: SimHub) -> None:
        self.hub = hub
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.idempotency = IdempotencyStore()
        self.clear()

    def clear(self) -> None:
        self.faults.clear()
        self.idempotency.clear()
        with self.lock:
            self.config = Config()
            self.sessions: dict[str, dict[str, Any]] = {}
            self.extras: dict[str, SessionExtras] = {}
            self.payment_intents: dict[str, dict[str, Any]] = {}
            self.charges: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.refund_behaviours: dict[str, str] = {}  # charge id -> its card's refund behaviour (cards.py)
            self.unsettled_refunds: set[str] = set()  # asynchronous refunds whose later change has not happened
            self.events: dict[str, dict[str, Any]] = {}
            self.endpoints: dict[str, Endpoint] = {}
            self.outbox: list[dict[str, Any]] = []
            self.exhausted: list[dict[str, Any]] = []  # deliveries the retry policy gave up on
            self.plan_errors: list[dict[str, Any]] = []  # delivery plans that could not apply to an event
            self.distinct_variants: dict[str, dict[str, Any]] = {}

    def now(self) -> int:
        return int(self.hub.clock.now())

    def new_id(self, prefix: str) -> str:
        length = ID_LENGTHS.get(prefix, DEFAULT_ID_LENGTH)
        rng = self.hub.rng(f"stripe.id.{prefix}")
        return f"{prefix}_" + "".join(rng.choice(BASE62) for _ in range(length))

    def take_outbox(self) -> list[dict[str, Any]]:
        with self.lock:
            pending, self.outbox = self.outbox, []
            return pending

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "config": {
                    "api_keys": self.config.api_keys,
                    "retry": self.config.retry,
                    "api_version": self.config.api_version,
                    "public_url": self.config.public_url,
                },
                "checkout_sessions": list(self.sessions.values()),
                "payment_intents": list(self.payment_intents.values()),
                "charges": list(self.charges.values()),
                "refunds": list(self.refunds.values()),
                "events": [
                    {
                        "id": e["id"],
                        "type": e["type"],
                        "created": e["created"],
                        "object_id": e["data"]["object"].get("id"),
                    }
                    for e in self.events.values()
                ],
                "webhook_endpoints": [
                    {
                        "id": ep.id,
                        "url": ep.url,
                        "enabled_events": ep.enabled_events,
                        "status": ep.status,
                        "secrets": [{"secret": s, "expires_at": exp} for s, exp in ep.secrets],
                    }
                    for ep in self.endpoints.values()
                ],
                "exhausted_deliveries": list(self.exhausted),
                "plan_errors": list(self.plan_errors),
                "faults": self.faults.to_dict(),
                "idempotent_results": self.idempotency.count(),
            }


def for_hub(hub: SimHub) -> StripeState:
    """The one ``StripeState`` of this hub (created on first use, cleared on ``hub.reset``)."""

    def create() -> StripeState:
        state = StripeState(hub)
        hub.on_reset(state.clear)
        return state

    return hub.provider_state(StripeState, create)
