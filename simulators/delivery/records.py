"""What the engine hands back: deliveries (logical event copies) and journal rows (HTTP attempts).

Kept apart from the engine so provider packages and the control API can import
the record types without pulling in the scheduling machinery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from simulators.delivery.plan import DeliveryPlan

# Statuses a delivery can be in. "failed" means: the last attempt failed and a retry is scheduled.
DELIVERY_STATUSES = ("pending", "held", "delivered", "failed", "exhausted")
UNFINISHED_STATUSES = ("pending", "held", "failed")

RESPONSE_BODY_LIMIT = 2048  # characters of the receiver's answer kept in the journal


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
    kind: str = "original"  # original | concurrent | duplicate | distinct
    copy_of: str | None = None  # id of the original delivery for every other kind
    sequence: int = 0  # submission order; ties on due time are sent in this order
    last_status: int | None = None  # HTTP status of the latest attempt (None: no answer)
    last_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = self.body.decode("utf-8", errors="replace")
        return data


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
    kind: str = "original"  # the delivery's kind (original | concurrent | duplicate | distinct)

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["succeeded"] = self.succeeded
        return data
