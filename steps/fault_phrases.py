"""One wording per webhook delivery fault, shared by every provider's features.

The same fault reads the same in a Stripe, a Calendly or a SendGrid scenario, and maps to the
same delivery-plan setting of the simulators' shared engine (see docs/delivery-engine.md).
"""

from __future__ import annotations

from typing import Any

DELIVERY_FAULTS: dict[str, dict[str, Any]] = {
    "a corrupted signature": {"corrupt_signature": True},
    "a signature 10 minutes old": {"stale_timestamp": 600},
    "a signing key the app does not know": {"wrong_key": True},
}


def delivery_plan(fault: str) -> dict[str, Any]:
    """The delivery plan for a fault phrase; an unknown phrase lists the known ones."""
    if fault not in DELIVERY_FAULTS:
        raise KeyError(f"unknown delivery fault {fault!r}; known: {', '.join(DELIVERY_FAULTS)}")
    return dict(DELIVERY_FAULTS[fault])
