"""Delivery engine: turns provider events into signed HTTP deliveries.

INTERFACE STUB - the bodies are being implemented; the signatures are the
contract the provider packages code against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from simulators.clock import VirtualClock
from simulators.delivery.plan import DeliveryPlan
from simulators.delivery.retry import RetryPolicy


class Signer(Protocol):
    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        """Signature headers for ``body`` signed at unix ``timestamp`` (with an unknown key if asked)."""


@dataclass
class Delivery:
    """One logical delivery (an event copy) that may take several attempts."""

    id: str
    provider: str
    endpoint: str  # target URL
    event_type: str
    event_id: str | None  # provider's event id when it has one (Stripe), else None (Calendly)
    body: bytes  # exact bytes sent on every attempt
    status: str = "pending"  # pending | held | delivered | failed | exhausted
    attempts: int = 0
    first_attempt_at: float | None = None  # virtual time
    next_attempt_at: float = 0.0  # virtual time
    plan: DeliveryPlan = field(default_factory=DeliveryPlan)


@dataclass
class Attempt:
    """A journal row: one HTTP request and what came back."""

    delivery_id: str
    provider: str
    endpoint: str
    event_type: str
    event_id: str | None
    attempt_no: int
    virtual_at: float
    request_headers: dict[str, str]
    request_body: str
    response_status: int | None  # None when the request failed (timeout, refused)
    response_body: str
    error: str | None
    latency_ms: float

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class DeliveryEngine:
    def __init__(self, clock: VirtualClock, *, seed: int, auto: bool = True,
                 connect_timeout: float = 10.0, read_timeout: float = 15.0) -> None:
        raise NotImplementedError

    def set_plan(self, provider: str, plan: DeliveryPlan, *, event_type: str | None = None,
                 times: int | None = 1) -> None:
        """Apply ``plan`` to the next ``times`` events of ``provider`` (optionally of one type; None = until cleared)."""
        raise NotImplementedError

    def clear_plans(self, provider: str | None = None) -> None:
        raise NotImplementedError

    def submit(self, *, provider: str, endpoint: str, event_type: str, payload: dict[str, Any],
               signer: Signer, retry: RetryPolicy, event_id: str | None = None,
               shape_variants: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
               on_exhausted: Callable[[Delivery], None] | None = None) -> list[Delivery]:
        """Queue an event for ``endpoint`` under the current plan; returns the deliveries created."""
        raise NotImplementedError

    def flush(self, timeout: float = 30.0) -> list[Attempt]:
        """Send every attempt that is due now (virtual time), wait for them, return their journal rows."""
        raise NotImplementedError

    def advance(self, seconds: float) -> list[Attempt]:
        """Move the virtual clock and send whatever became due."""
        raise NotImplementedError

    def journal(self, *, provider: str | None = None, event_type: str | None = None) -> list[Attempt]:
        raise NotImplementedError

    def deliveries(self, *, provider: str | None = None) -> list[Delivery]:
        raise NotImplementedError

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is due or in flight (auto mode); False at the deadline."""
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError
