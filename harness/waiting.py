"""Waiting on a condition with a deadline: the suite's only way to wait (never a bare sleep)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

POLL = 0.02


def wait_until(check: Callable[[], Any], *, timeout: float = 20.0, what: str = "a condition") -> Any:
    """Poll ``check`` until it returns something truthy (returned) or fail at the deadline."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        pause.wait(POLL)
