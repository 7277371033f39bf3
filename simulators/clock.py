"""A virtual clock for provider retry schedules.

Virtual time is real time plus an offset that only moves when a test (or the
control API) says "advance". Retries become due on virtual time, so a test can
jump over Calendly's 24 hours or Stripe's 3 days in milliseconds. Signature
timestamps deliberately use the *real* wall clock at send time (see
``real_now``): the receiver checks them against its own real clock, exactly as a
deployed app would.
"""

from __future__ import annotations

import threading
import time


class VirtualClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def now(self) -> float:
        """Virtual unix time in seconds."""
        with self._lock:
            return time.time() + self._offset

    @staticmethod
    def real_now() -> float:
        return time.time()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._changed:
            self._offset += seconds
            self._changed.notify_all()
            return time.time() + self._offset

    def reset(self) -> None:
        with self._changed:
            self._offset = 0.0
            self._changed.notify_all()

    def wait_for_change(self, timeout: float) -> None:
        """Block until ``advance``/``reset`` is called or ``timeout`` passes (for worker threads)."""
        with self._changed:
            self._changed.wait(timeout)
