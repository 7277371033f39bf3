"""Delivery plans: data that says which faults to inject into the next event(s).

Plans are plain data (JSON through the control API) so a failing run can be
written down and replayed. Unknown keys are rejected loudly: a typo in a fault
name must never silently mean "no fault".
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any


class PlanError(ValueError):
    """A delivery plan that cannot be honoured (unknown key, bad value)."""


@dataclass
class DeliveryPlan:
    duplicate: int = 0  # extra copies of the delivery, sent after the original
    resign_duplicates: bool = False  # duplicates get a fresh timestamp + signature instead of identical bytes
    reorder: bool = False  # hold this event back and send it after the next event for the same endpoint
    delay: float = 0.0  # virtual seconds before the first attempt
    drop_fields: list[str] = field(default_factory=list)  # dotted paths removed from the payload
    null_fields: list[str] = field(default_factory=list)  # dotted paths set to null
    wrong_shape: str | None = None  # name of a provider-specific shape variant
    corrupt_signature: bool = False  # sign a different body (the payload plus a newline), send the real one
    wrong_key: bool = False  # sign with a key the receiver does not know
    stale_timestamp: float = 0.0  # sign with a timestamp this many seconds in the past
    concurrent: int = 0  # send the same delivery this many times at once (threads)
    distinct_duplicate: bool = False  # Stripe: a second event with a new id for the same change
    drop: bool = False  # lose the event: recorded as a "dropped" delivery, never sent (reconciliation drills)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DeliveryPlan:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PlanError(f"unknown delivery plan keys: {', '.join(unknown)}")
        plan = cls(**data)
        plan.validate()
        return plan

    def validate(self) -> None:
        for name in ("duplicate", "concurrent"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise PlanError(f"{name} must be an integer between 0 and 100")
        for name in ("delay", "stale_timestamp"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise PlanError(f"{name} must be a non-negative number of seconds")
        for name in ("drop_fields", "null_fields"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
                raise PlanError(f"{name} must be a list of dotted field paths")
        for name in ("resign_duplicates", "reorder", "corrupt_signature", "wrong_key", "distinct_duplicate", "drop"):
            if not isinstance(getattr(self, name), bool):
                raise PlanError(f"{name} must be true or false")
        if self.wrong_shape is not None and not isinstance(self.wrong_shape, str):
            raise PlanError("wrong_shape must be the name of a shape variant")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_clean(self) -> bool:
        return self == DeliveryPlan()

    def mutate_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Apply ``drop_fields`` and ``null_fields`` to a deep copy of the payload."""
        result = copy.deepcopy(payload)
        for path in self.drop_fields:
            _apply(result, path, drop=True)
        for path in self.null_fields:
            _apply(result, path, drop=False)
        return result


def _apply(payload: dict[str, Any], path: str, *, drop: bool) -> None:
    parts = path.split(".")
    node: Any = payload
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise PlanError(f"field path {path!r} does not exist in the payload")
        node = node[part]
    leaf = parts[-1]
    if not isinstance(node, dict) or leaf not in node:
        raise PlanError(f"field path {path!r} does not exist in the payload")
    if drop:
        del node[leaf]
    else:
        node[leaf] = None
