"""Clean deliveries, retries on the virtual clock, exhaustion, timeouts and replayable ids."""

from __future__ import annotations

import json

import pytest

from simulators.clock import VirtualClock
from simulators.delivery import CALENDLY, STRIPE_LIVE, STRIPE_TEST, DeliveryEngine, DeliveryPlan
from simulators.delivery.retry import DAY, HOUR

pytestmark = [pytest.mark.webhook]


def test_a_clean_delivery_arrives_once_signed_and_is_journaled(engine, submit, receiver, signer):
    submit({"id": "evt_1", "data": {"name": "Ada"}}, event_id="evt_1")

    rows = engine.flush()

    [request] = receiver.wait_for(1)
    assert request.path == "/hooks"
    assert request.body == b'{"id":"evt_1","data":{"name":"Ada"}}'
    assert signer.verify(request.headers, request.body)
    [row] = rows
    assert (row.response_status, row.attempt_no, row.event_id, row.kind) == (200, 1, "evt_1", "original")
    assert row.request_body == request.body.decode()
    assert json.loads(row.response_body) == {"received": True}
    assert row.error is None and row.latency_ms >= 0
    assert engine.journal() == rows
    [delivery] = engine.deliveries()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_nothing_is_sent_before_a_flush_in_manual_mode(engine, submit, receiver):
    submit()
    assert receiver.requests == []
    assert [d.status for d in engine.pending()] == ["pending"]


def test_failed_attempts_are_retried_on_the_virtual_clock_until_success(engine, submit, receiver):
    receiver.respond_with(500, 503)
    [delivery] = submit()

    first = engine.flush()
    assert [r.response_status for r in first] == [500]
    assert engine.flush() == []  # the retry is not due yet
    assert engine.advance(59) == []
    second = engine.advance(1)  # Calendly's first retry comes 60 s later
    assert [r.response_status for r in second] == [503]
    third = engine.advance(120)
    assert [(r.response_status, r.attempt_no) for r in third] == [(200, 3)]
    [done] = engine.deliveries()
    assert done.id == delivery.id and done.status == "delivered" and done.attempts == 3


class RealFollowsVirtualClock(VirtualClock):
    """A clock whose "real" time moves with advance(), so signature timestamps show each re-signing."""

    def real_now(self) -> float:  # type: ignore[override]
        return self.now()


def test_every_retry_is_signed_again_with_a_fresh_timestamp(receiver, signer):
    engine = DeliveryEngine(RealFollowsVirtualClock(), seed=1, auto=False)
    receiver.respond_with(500, 500)
    engine.submit(
        provider="test",
        endpoint=f"{receiver.url}/hooks",
        event_type="x",
        payload={"n": 1},
        signer=signer,
        retry=STRIPE_TEST,
    )
    engine.flush()
    engine.advance(HOUR)
    engine.advance(2 * HOUR)

    requests = receiver.wait_for(3)
    timestamps = [signer.timestamp_of(r.headers) for r in requests]
    assert timestamps[1] - timestamps[0] >= HOUR and timestamps[2] - timestamps[1] >= 2 * HOUR
    assert all(signer.verify(r.headers, r.body) for r in requests)
    engine.close()


def _advance_to_next_attempt(engine):
    [pending] = engine.pending()
    return engine.advance(max(0.0, pending.next_attempt_at - engine._clock.now()))


def test_calendly_gives_up_at_24_hours_and_reports_exhaustion(engine, submit, receiver):
    receiver.default_status = 500
    exhausted = []
    [delivery] = submit(on_exhausted=exhausted.append)

    engine.flush()
    while not exhausted:
        _advance_to_next_attempt(engine)
        assert engine._clock.offset <= DAY + 60

    [gave_up] = exhausted
    assert gave_up.id == delivery.id and gave_up.status == "exhausted"
    assert gave_up.attempts == len(CALENDLY.delays) + 1 == 12
    rows = engine.journal()
    assert len(rows) == gave_up.attempts
    assert rows[-1].virtual_at - rows[0].virtual_at == pytest.approx(DAY, abs=5)
    assert engine.advance(DAY) == []  # nothing more is ever sent
    assert len(exhausted) == 1


@pytest.mark.parametrize("policy", [CALENDLY, STRIPE_LIVE, STRIPE_TEST], ids=lambda p: p.name)
def test_retries_follow_the_policy_schedule(engine, submit, receiver, policy):
    receiver.default_status = 503
    submit(retry=policy)
    engine.flush()
    while engine.pending():
        _advance_to_next_attempt(engine)
    times = [row.virtual_at - engine.journal()[0].virtual_at for row in engine.journal()]
    expected = [sum(policy.delays[:n]) for n in range(len(policy.delays) + 1)]
    assert times == pytest.approx(expected, abs=5)


def test_a_receiver_that_recovers_before_the_window_closes_still_gets_the_event(engine, submit, receiver):
    receiver.default_status = 500
    submit()
    engine.flush()
    first_at = engine.journal()[0].virtual_at
    while engine.pending()[0].next_attempt_at - first_at < 23 * HOUR:
        _advance_to_next_attempt(engine)
    receiver.default_status = 200  # recovers at hour 17 + a bit, before the last retry
    [last] = _advance_to_next_attempt(engine)
    assert last.succeeded and last.virtual_at - engine.journal()[0].virtual_at == pytest.approx(DAY, abs=5)
    assert [d.status for d in engine.deliveries()] == ["delivered"]


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(blocking_receiver, signer):
    engine = DeliveryEngine(VirtualClock(), seed=1, auto=False, connect_timeout=1.0, read_timeout=0.2)
    engine.submit(
        provider="test",
        endpoint=f"{blocking_receiver.url}/hooks",
        event_type="x",
        payload={},
        signer=signer,
        retry=CALENDLY,
    )

    [row] = engine.flush()

    # the receiver's thread may not have run yet when the client gave up: wait for it, with a deadline
    assert blocking_receiver.arrived.wait(timeout=10)
    assert row.response_status is None and not row.succeeded
    assert "Timeout" in row.error
    [delivery] = engine.pending()
    assert delivery.status == "failed" and delivery.next_attempt_at == pytest.approx(row.virtual_at + 60)
    engine.close()


def test_a_refused_connection_is_a_failed_attempt(engine, signer):
    engine.submit(
        provider="test", endpoint="http://127.0.0.1:9/hooks", event_type="x", payload={}, signer=signer, retry=CALENDLY
    )
    [row] = engine.flush()
    assert row.response_status is None and row.error.startswith("ConnectError")


def _replayable_view(engine):
    return [
        (r.delivery_id, r.kind, r.event_type, r.attempt_no, r.response_status, r.request_body) for r in engine.journal()
    ]


def _scripted_run(engine, receiver, signer):
    engine.set_plan("test", DeliveryPlan(duplicate=1, reorder=True), event_type="a")
    for n, event_type in enumerate(["a", "b", "c"]):
        engine.submit(
            provider="test",
            endpoint=f"{receiver.url}/hooks",
            event_type=event_type,
            payload={"n": n},
            signer=signer,
            retry=CALENDLY,
        )
    engine.flush()
    engine.advance(60)
    return _replayable_view(engine)


def test_the_same_seed_and_calls_give_the_same_journal(receiver, signer):
    runs = []
    for _ in range(2):
        engine = DeliveryEngine(VirtualClock(), seed=99, auto=False)
        receiver.respond_with(500)
        runs.append(_scripted_run(engine, receiver, signer))
        engine.close()
    assert runs[0] == runs[1]
    assert [kind for _, kind, *_ in runs[0]].count("duplicate") == 1
    other = DeliveryEngine(VirtualClock(), seed=100, auto=False)
    receiver.respond_with(500)
    assert [row[0] for row in _scripted_run(other, receiver, signer)] != [row[0] for row in runs[0]]
    other.close()


def test_reset_clears_everything_and_replays_the_same_ids(engine, submit):
    [first] = submit()
    engine.set_plan("test", DeliveryPlan(duplicate=1))
    engine.reset()
    assert engine.deliveries() == [] and engine.journal() == [] and engine.plans() == []
    [again] = submit()
    assert again.id == first.id


def test_a_signer_that_raises_gives_a_failed_attempt_not_a_stuck_engine(engine, submit, receiver):
    class BrokenSigner:
        def headers(self, body, timestamp, *, wrong_key=False):
            raise KeyError("no signing key")

    submit(signer=BrokenSigner())
    [row] = engine.flush()
    assert row.response_status is None and row.error == "signing failed: KeyError: 'no signing key'"
    assert receiver.requests == []
    assert [d.status for d in engine.pending()] == ["failed"]


def test_callbacks_may_call_back_into_the_engine(engine, submit, receiver):
    receiver.default_status = 500
    follow_ups = []

    def on_exhausted(delivery):
        follow_ups.extend(submit({"after": delivery.id}, retry=STRIPE_TEST, event_type="follow.up"))

    submit(retry=STRIPE_TEST, on_exhausted=on_exhausted, serialize=lambda p: (engine.plans(), b"{}")[1])
    engine.flush()
    for _ in range(3):
        _advance_to_next_attempt(engine)
    assert [d.event_type for d in follow_ups] == ["follow.up"]
    assert [d.event_type for d in engine.pending()] == ["follow.up"]
