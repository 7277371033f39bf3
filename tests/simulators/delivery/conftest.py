"""Fixtures for delivery engine tests: an HMAC test signer and a submit helper bound to the receiver."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest

from harness.servers import serve_in_thread
from simulators.delivery import CALENDLY, DeliveryEngine

TEST_KEY = b"test-signing-key"
UNKNOWN_KEY = b"a-key-the-receiver-does-not-know"
SIGNATURE_HEADER = "X-Test-Signature"


class HmacTestSigner:
    """Signs like Calendly and Stripe do: ``t=<unix>,v1=hex(HMAC-SHA256(key, "{t}.{body}"))``."""

    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        key = UNKNOWN_KEY if wrong_key else TEST_KEY
        digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return {SIGNATURE_HEADER: f"t={timestamp},v1={digest}"}

    @staticmethod
    def parse(headers: dict[str, str]) -> tuple[int, str]:
        value = next(v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower())
        parts = dict(item.split("=", 1) for item in value.split(","))
        return int(parts["t"]), parts["v1"]

    def timestamp_of(self, headers: dict[str, str]) -> int:
        return self.parse(headers)[0]

    def verify(self, headers: dict[str, str], body: bytes, *, key: bytes = TEST_KEY) -> bool:
        """What a receiver does: recompute the HMAC over the raw bytes it got."""
        timestamp, digest = self.parse(headers)
        expected = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, digest)


@pytest.fixture
def unknown_key() -> bytes:
    return UNKNOWN_KEY


@pytest.fixture
def signer() -> HmacTestSigner:
    return HmacTestSigner()


@pytest.fixture
def engine(simulator) -> DeliveryEngine:
    """The manual-mode engine of a live simulator: nothing is sent until the test flushes or advances."""
    return simulator.hub.engine


@pytest.fixture
def submit(engine, receiver, signer):
    """Submit a test event to the receiver; keyword arguments override the defaults."""

    def submit_event(payload=None, **overrides):
        arguments = {
            "provider": "test",
            "endpoint": f"{receiver.url}/hooks",
            "event_type": "thing.happened",
            "payload": payload if payload is not None else {"id": "evt_1", "data": {"n": 1}},
            "signer": signer,
            "retry": CALENDLY,
        }
        arguments.update(overrides)
        return engine.submit(**arguments)

    return submit_event


class BlockingReceiver:
    """A WSGI endpoint that never answers until ``release()``: a receiver that times out."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.arrived = threading.Event()

    def __call__(self, environ, start_response):
        self.arrived.set()
        self.released.wait(30)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"too late"]


@pytest.fixture
def blocking_receiver():
    blocking = BlockingReceiver()
    running = serve_in_thread(blocking, name="blocking-receiver")
    blocking.url = running.url
    yield blocking
    blocking.released.set()
    running.stop()
