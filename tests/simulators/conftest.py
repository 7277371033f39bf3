"""Fixtures for simulator tests: a live simulator server and a recording webhook receiver."""

from __future__ import annotations

import pytest

from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread
from simulators.server import create_simulator


@pytest.fixture
def simulator():
    """A fresh simulator (manual delivery: tests flush or advance explicitly) served on a free port."""
    sim = create_simulator(seed=1234, auto_deliver=False)
    running = serve_in_thread(sim.wsgi_app, name="simulator")
    sim.url = running.url
    yield sim
    running.stop()


@pytest.fixture
def auto_simulator():
    """A fresh simulator that delivers webhooks on its own, as the real providers do."""
    sim = create_simulator(seed=1234, auto_deliver=True)
    running = serve_in_thread(sim.wsgi_app, name="simulator")
    sim.url = running.url
    yield sim
    running.stop()


@pytest.fixture
def receiver():
    """A webhook endpoint that records what it receives; ``receiver.url`` is its base URL."""
    recording = RecordingReceiver()
    running = serve_in_thread(recording, name="receiver")
    recording.url = running.url
    yield recording
    running.stop()
