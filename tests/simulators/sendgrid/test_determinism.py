"""One seed, one run: message ids, event payloads and the webhook key pair replay exactly."""

from __future__ import annotations

import json

import pytest

from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread
from simulators.sendgrid.signing import sign
from simulators.sendgrid.state import state_for
from simulators.server import create_simulator

pytestmark = pytest.mark.email


def _run(sg_factory, seed: int):
    """Send two mails through a fresh simulator with ``seed``; return ids, webhook bodies and the key."""
    simulator = create_simulator(seed=seed, auto_deliver=False)
    server = serve_in_thread(simulator.wsgi_app, name="simulator")
    receiver = RecordingReceiver()
    receiver_server = serve_in_thread(receiver, name="receiver")
    sg = sg_factory(server.url, simulator)
    try:
        sg.configure(
            api_keys=[sg.api_key], event_webhook_url=f"{receiver_server.url}/events", bounce_addresses=["*@bounce.test"]
        )
        ids = [
            sg.client().send(sg.template_mail(to)).headers["X-Message-Id"]
            for to in ("ann@example.com", "gone@bounce.test")
        ]
        sg.flush()
        # Event timestamps are virtual time (real time plus an offset), so they alone differ between runs.
        events = [
            [{k: v for k, v in event.items() if k != "timestamp"} for event in json.loads(request.body)]
            for request in receiver.wait_for(4)
        ]
        return ids, events, sg.public_key()
    finally:
        sg.http.close()
        receiver_server.stop()
        server.stop()
        simulator.hub.engine.close()


@pytest.fixture
def sg_factory(sg):
    """Builds drivers like ``sg`` for simulators a test starts itself."""
    driver_type = type(sg)

    def make(url, simulator):
        return driver_type(url, sg.http.__class__(base_url=url, timeout=30), simulator)

    return make


def test_the_same_seed_gives_the_same_ids_events_and_key(sg_factory):
    first = _run(sg_factory, seed=77)
    second = _run(sg_factory, seed=77)

    assert first == second
    events = [e["event"] for batch in first[1] for e in batch]
    assert events == ["processed", "delivered", "processed", "bounce"]


def test_another_seed_gives_other_ids_and_another_key(sg_factory):
    ids, _, key = _run(sg_factory, seed=77)
    other_ids, _, other_key = _run(sg_factory, seed=78)

    assert set(ids).isdisjoint(other_ids)
    assert key != other_key


def test_signatures_are_deterministic_for_the_same_bytes_and_timestamp(sg):
    state_key = state_for(sg.simulator.hub).private_key()

    assert sign(state_key, b"[]", 1700000000) == sign(state_key, b"[]", 1700000000)
    assert sign(state_key, b"[]", 1700000000) != sign(state_key, b"[]", 1700000001)


def test_a_reset_to_the_same_seed_replays_the_message_ids(sg):
    sg.http.post("/_sim/reset", json={"seed": 5})
    key = sg.public_key()
    first = sg.client().send(sg.template_mail()).headers["X-Message-Id"]
    sg.http.post("/_sim/reset", json={"seed": 5})

    assert sg.client().send(sg.template_mail()).headers["X-Message-Id"] == first
    assert sg.public_key() == key
