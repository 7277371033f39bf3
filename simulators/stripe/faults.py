"""API fault injection: make the next N matching requests fail the way Stripe can.

A fault matches on method and a glob over the path under ``/stripe``
(``/v1/checkout/sessions*``). ``when`` says whether the failure happens
*before* the request is processed (nothing changed) or *after* it (the change
is made and its idempotent result stored, but the client never sees the
response, as when a connection drops on the way back). Responses:
  "500", "503"  ``api_error`` (stripe-python retries 5xx with the same Idempotency-Key)
  "429"         Stripe's rate-limit error (not retried unless ``should_retry``)
  "reset"       the connection is closed without a response (a retried connection error)
  "timeout"     the response is held ``hold_seconds`` (real time) before going out
"Down" mode answers every API request with 503 (or a reset) until cleared.
Held responses are released at once by ``clear`` (DELETE /faults, hub reset),
so no test can hang on a forgotten hold.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass
from typing import Any

RESPONSES = ("500", "503", "429", "reset", "timeout")
MAX_HOLD = 300.0


class FaultError(ValueError):
    """A fault specification that cannot be honoured."""


@dataclass
class Fault:
    id: int
    method: str = "*"
    path: str = "*"
    response: str = "500"
    when: str = "before"
    times: int | None = 1  # None: until cleared
    hold_seconds: float = 0.0
    should_retry: bool | None = None  # sets the Stripe-Should-Retry response header when not None
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = {"method", "path", "response", "when", "times", "hold_seconds", "should_retry"}


def parse_fault(spec: dict[str, Any], fault_id: int) -> Fault:
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise FaultError(f"unknown fault keys: {', '.join(unknown)}")
    fault = Fault(id=fault_id, **spec)
    fault.response = str(fault.response)
    fault.method = str(fault.method).upper()
    if fault.path.startswith("/stripe/"):
        fault.path = fault.path[len("/stripe") :]
    if fault.response not in RESPONSES:
        raise FaultError(f"response must be one of {', '.join(RESPONSES)}")
    if fault.when not in ("before", "after"):
        raise FaultError("when must be 'before' or 'after'")
    if fault.times is not None and (
        not isinstance(fault.times, int) or isinstance(fault.times, bool) or fault.times < 1
    ):
        raise FaultError("times must be a positive integer or null (until cleared)")
    hold = fault.hold_seconds
    if not isinstance(hold, (int, float)) or isinstance(hold, bool) or not 0 <= hold <= MAX_HOLD:
        raise FaultError(f"hold_seconds must be between 0 and {MAX_HOLD}")
    if fault.response == "timeout" and hold <= 0:
        raise FaultError("a timeout needs hold_seconds > 0")
    if fault.should_retry is not None and not isinstance(fault.should_retry, bool):
        raise FaultError("should_retry must be true, false or null")
    return fault


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1
        self.down: str | None = None  # None | "503" | "reset"
        self._release = threading.Event()

    def add(self, spec: dict[str, Any]) -> Fault:
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def set_down(self, mode: str | None) -> None:
        if mode not in (None, "503", "reset"):
            raise FaultError("down must be '503', 'reset' or null")
        with self._lock:
            self.down = mode

    def clear(self) -> None:
        """Remove every fault, leave down mode and release every held response."""
        with self._lock:
            self._faults.clear()
            self.down = None
            release, self._release = self._release, threading.Event()
        release.set()

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, counting this request against its ``times``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.fired += 1
                    if fault.times is not None and fault.fired >= fault.times:
                        self._faults.remove(fault)
                    return fault
            return None

    def hold(self, seconds: float) -> bool:
        """Wait ``seconds`` (real time) unless released; True when released early."""
        with self._lock:
            release = self._release
        return release.wait(seconds)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"down": self.down, "faults": [f.to_dict() for f in self._faults]}
