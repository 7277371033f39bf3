"""The engine's private bookkeeping for one delivery, and the pure steps of building one.

``build_body`` applies a plan's payload faults and serialises; ``request_headers``
signs one attempt. Both are kept free of locking and HTTP so they read (and
test) as plain functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulators.delivery.plan import DeliveryPlan, PlanError
from simulators.delivery.records import Delivery, Signer
from simulators.delivery.retry import RetryPolicy


@dataclass(eq=False)
class Job:
    delivery: Delivery
    signer: Signer
    retry: RetryPolicy
    on_exhausted: Callable[[Delivery], None] | None
    extra_headers: dict[str, str]
    family: str | None  # id of the original this copy belongs to (reordering never splits a family)
    replays: Job | None = None  # duplicates: the original whose first request they copy
    leader: Job | None = None  # concurrent copies: the original whose first burst they join
    burst: list[Job] = field(default_factory=list)  # an original's concurrent copies
    first_headers: dict[str, str] | None = None  # headers composed for the first attempt
    in_flight: bool = False
    submission: dict[str, Any] = field(default_factory=dict)  # the submit() arguments, for a resend


def compact_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_body(
    plan: DeliveryPlan,
    payload: dict[str, Any],
    provider: str,
    shape_variants: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] | None,
    serialize: Callable[[dict[str, Any]], bytes],
) -> bytes:
    """Apply ``drop_fields``/``null_fields`` then ``wrong_shape``, and serialise."""
    mutated = plan.mutate_payload(payload)
    if plan.wrong_shape is not None:
        variants = shape_variants or {}
        if plan.wrong_shape not in variants:
            known = ", ".join(sorted(variants)) or "none"
            raise PlanError(f"unknown shape variant {plan.wrong_shape!r} for {provider}; known: {known}")
        mutated = variants[plan.wrong_shape](mutated)
    return serialize(mutated)


def request_headers(job: Job, real_now: int) -> dict[str, str]:
    """Headers for the next attempt of ``job``: a replay of the original's, or freshly signed ones."""
    delivery, plan = job.delivery, job.delivery.plan
    original = job.replays
    if delivery.attempts == 0 and original is not None and not plan.resign_duplicates:
        assert original.first_headers is not None, "a duplicate is only sent after its original"
        return dict(original.first_headers)
    timestamp = int(real_now - plan.stale_timestamp)
    # Signing other bytes than the body sent breaks the signature whatever the provider's scheme.
    signed = delivery.body + b"\n" if plan.corrupt_signature else delivery.body
    signature = job.signer.headers(signed, timestamp, wrong_key=plan.wrong_key)
    headers = (
        {}
        if any(name.lower() == "content-type" for name in job.extra_headers)
        else {"Content-Type": "application/json"}
    )
    return {**headers, **job.extra_headers, **signature}
