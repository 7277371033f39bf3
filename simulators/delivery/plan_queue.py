"""The queue of delivery plans waiting for the events they apply to.

A plan is queued for a provider (optionally one event type) and a number of
events (``times``; None keeps it until cleared). At submit time the first
matching plan wins, in the order plans were queued, so a test can line up
"duplicate the first event, then corrupt the second". Not thread-safe on its
own: the engine guards it with its lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.delivery.plan import DeliveryPlan


@dataclass
class QueuedPlan:
    provider: str
    plan: DeliveryPlan
    event_type: str | None  # None: any event type of the provider
    remaining: int | None  # events left to apply to; None: until cleared

    def matches(self, provider: str, event_type: str) -> bool:
        return self.provider == provider and self.event_type in (None, event_type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "event_type": self.event_type,
            "times": self.remaining,
            "plan": self.plan.to_dict(),
        }


class PlanQueue:
    def __init__(self) -> None:
        self._queued: list[QueuedPlan] = []

    def add(
        self, provider: str, plan: DeliveryPlan, event_type: str | None, times: int | None, *, first: bool = False
    ) -> QueuedPlan:
        """Queue a plan (at the front with ``first``: it wins over the plans queued before it)."""
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ValueError("times must be a positive integer or None (until cleared)")
        plan.validate()
        queued = QueuedPlan(provider, plan, event_type, times)
        self._queued.insert(0 if first else len(self._queued), queued)
        return queued

    def discard(self, queued: QueuedPlan) -> None:
        self._queued = [other for other in self._queued if other is not queued]

    def find(self, provider: str, event_type: str) -> QueuedPlan | None:
        return next((queued for queued in self._queued if queued.matches(provider, event_type)), None)

    def consume(self, queued: QueuedPlan) -> None:
        if queued.remaining is None:
            return
        queued.remaining -= 1
        if queued.remaining == 0:
            self._queued.remove(queued)

    def clear(self, provider: str | None = None) -> None:
        self._queued = [queued for queued in self._queued if provider is not None and queued.provider != provider]

    def snapshot(self) -> list[dict[str, Any]]:
        return [queued.to_dict() for queued in self._queued]
