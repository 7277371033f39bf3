"""Property: whatever the copies asked for, the receiver gets exactly that many, and each verifies unless corrupted."""

from __future__ import annotations

import json
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators.delivery import DeliveryPlan

pytestmark = [pytest.mark.webhook, pytest.mark.fault]

plans = st.builds(
    DeliveryPlan,
    duplicate=st.integers(0, 3),
    concurrent=st.integers(0, 3),
    resign_duplicates=st.booleans(),
    reorder=st.booleans(),
    corrupt_signature=st.booleans(),
    wrong_key=st.booleans(),
    stale_timestamp=st.sampled_from([0.0, 30.0]),
)
endpoint_numbers = count()


# The receiver and simulator are built once per test; each example posts to its own path and resets the engine.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans, n=st.integers(0, 1000))
def test_every_copy_arrives_and_verifies_unless_corrupted(plan, n, engine, receiver, signer):
    engine.reset()
    path = f"/hooks/{next(endpoint_numbers)}"
    before = len(receiver.requests)
    engine.set_plan("test", plan)
    deliveries = engine.submit(
        provider="test",
        endpoint=f"{receiver.url}{path}",
        event_type="thing.happened",
        payload={"n": n},
        signer=signer,
        retry=_NO_RETRY,
    )
    engine.flush()

    expected = max(1, plan.concurrent) + plan.duplicate
    arrived = [r for r in receiver.wait_for(before + expected) if r.path == path]
    assert len(arrived) == expected == len(deliveries) == len(engine.journal())
    assert all(json.loads(r.body) == {"n": n} for r in arrived)
    must_verify = not (plan.corrupt_signature or plan.wrong_key)
    assert all(signer.verify(r.headers, r.body) == must_verify for r in arrived)
    timestamps = {signer.timestamp_of(r.headers) for r in arrived}
    if not plan.resign_duplicates:
        assert len(timestamps) == 1  # one signing, replayed byte for byte


class _NoRetry:
    name = "none"

    def next_delay(self, attempts_made, first_attempt_at, now):
        return None


_NO_RETRY = _NoRetry()
