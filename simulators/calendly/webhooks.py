"""Fan-out of Calendly events to webhook subscriptions, through the delivery engine.

Each active subscription whose events and scope match gets its own copy (its
own ``created_by`` and signing key), so overlapping subscriptions produce the
duplicates Calendly is known for. When the engine gives up on a delivery after
Calendly's 24 hours of retries, the subscription is disabled, as Calendly does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from simulators.calendly import events
from simulators.calendly.signing import Signer
from simulators.calendly.state import CalendlyState, Subscription
from simulators.delivery import CALENDLY, PlanError


@dataclass
class Emission:
    """One event to announce: its name, its payload snapshot, and whose calendar it concerns."""

    event: str
    payload: dict[str, Any]
    created_at: float
    host_uuid: str | None  # None: organization-wide only (routing forms)
    rest_no_show: dict[str, Any] | None = None


class Dispatcher:
    def __init__(self, state: CalendlyState) -> None:
        self.state = state

    def _matches(self, subscription: Subscription, emission: Emission) -> bool:
        if subscription.state != "active" or emission.event not in subscription.events:
            return False
        if subscription.scope == "organization":
            return True
        host = self.state.users.get(emission.host_uuid or "")
        return host is not None and subscription.user == host.uri

    def send(self, emissions: list[Emission]) -> None:
        """Hand every emission to the engine, once per matching subscription, in the given order."""
        engine = self.state.hub.engine
        if engine is None:
            return
        refused: PlanError | None = None
        for emission in emissions:
            with self.state.lock:
                targets = [s for s in self.state.subscriptions.values() if self._matches(s, emission)]
                default_key = self.state.config.default_signing_key
            for subscription in targets:
                body = events.envelope(emission.event, emission.created_at, subscription.creator, emission.payload)
                try:
                    deliveries = engine.submit(
                        provider="calendly",
                        endpoint=subscription.callback_url,
                        event_type=emission.event,
                        payload=body,
                        signer=Signer(subscription.signing_key or default_key),
                        retry=CALENDLY,
                        shape_variants=events.shape_variants(emission.rest_no_show),
                        on_exhausted=partial(self._exhausted, subscription.uuid),
                    )
                except PlanError as exc:  # a plan naming a field this payload lacks: say so, send the rest
                    refused = refused or exc
                    continue
                with self.state.lock:
                    subscription.delivery_ids.extend(d.id for d in deliveries)
        if refused is not None:
            raise refused

    def _exhausted(self, subscription_uuid: str, delivery: Any) -> None:
        with self.state.lock:
            subscription = self.state.subscriptions.get(subscription_uuid)
            if subscription is None or subscription.state == "disabled":
                return
            subscription.state = "disabled"
            if subscription.retry_started_at is None:
                subscription.retry_started_at = delivery.first_attempt_at or self.state.now()
            subscription.updated_at = self.state.now()

    def refresh(self, subscription: Subscription) -> None:
        """Bring ``retry_started_at`` up to date: the first failed attempt among deliveries still failing."""
        engine = self.state.hub.engine
        if engine is None or subscription.state == "disabled" or not subscription.delivery_ids:
            return
        mine = set(subscription.delivery_ids)
        failing = [
            d.first_attempt_at
            for d in engine.deliveries(provider="calendly")
            if d.id in mine and d.status != "delivered" and d.attempts > 0 and d.first_attempt_at is not None
        ]
        subscription.retry_started_at = min(failing) if failing else None
