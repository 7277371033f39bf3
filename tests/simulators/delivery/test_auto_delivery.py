"""Auto mode: the engine sends on its own, like a real provider, and wakes when the virtual clock moves."""

from __future__ import annotations

import pytest

from simulators.delivery import CALENDLY, DeliveryPlan

pytestmark = [pytest.mark.webhook]


@pytest.fixture
def auto_submit(auto_simulator, receiver, signer):
    engine = auto_simulator.hub.engine

    def submit_event(payload=None, **overrides):
        arguments = {
            "provider": "test",
            "endpoint": f"{receiver.url}/hooks",
            "event_type": "thing.happened",
            "payload": payload or {"n": 1},
            "signer": signer,
            "retry": CALENDLY,
        }
        arguments.update(overrides)
        return engine.submit(**arguments)

    return submit_event


def test_an_event_is_delivered_without_any_flush(auto_simulator, auto_submit, receiver, signer):
    auto_submit()
    [request] = receiver.wait_for(1)
    assert signer.verify(request.headers, request.body)
    assert auto_simulator.hub.engine.wait_idle(10)
    assert [d.status for d in auto_simulator.hub.engine.deliveries()] == ["delivered"]


def test_a_retry_goes_out_when_the_clock_is_moved_directly(auto_simulator, auto_submit, receiver):
    engine = auto_simulator.hub.engine
    receiver.respond_with(500)
    auto_submit()
    receiver.wait_for(1)
    assert engine.wait_idle(10)
    assert [d.status for d in engine.deliveries()] == ["failed"]

    auto_simulator.hub.clock.advance(60)  # not through the engine: the worker must notice on its own

    receiver.wait_for(2)
    assert engine.wait_idle(10)
    assert [(d.status, d.attempts) for d in engine.deliveries()] == [("delivered", 2)]


def test_a_delayed_event_is_sent_when_its_time_comes(auto_simulator, auto_submit, receiver):
    engine = auto_simulator.hub.engine
    engine.set_plan("test", DeliveryPlan(delay=3600))
    auto_submit()
    assert engine.wait_idle(10) and receiver.requests == []
    engine.advance(3600)
    assert len(receiver.wait_for(1)) == 1


def test_flush_in_auto_mode_never_sends_twice(auto_simulator, auto_submit, receiver):
    engine = auto_simulator.hub.engine
    for n in range(5):
        auto_submit({"n": n})
    engine.flush()
    assert engine.wait_idle(10)
    assert len(engine.journal()) == 5
    assert sorted(d.attempts for d in engine.deliveries()) == [1] * 5
    assert len(receiver.wait_for(5)) == 5


def test_close_stops_the_worker(auto_simulator, auto_submit, receiver):
    engine = auto_simulator.hub.engine
    engine.close()
    assert not engine._worker.alive
