"""Waiting on a condition with a deadline: the suite's only way to wait (never a bare sleep)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

POLL = 0.02
SEEN_CHARS = 2000
T = TypeVar("T")


def _describe(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= SEEN_CHARS else text[:SEEN_CHARS] + f"... ({len(text)} characters)"


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float = 20.0,
    what: str = "a condition",
    seen: Callable[[], Any] | None = None,
) -> T:
    """Poll ``check`` until it returns something truthy (returned) or fail at the deadline.

    The failure says what the last check returned and, when ``seen`` is given, what it returns at the
    deadline (e.g. the deliveries that did arrive), so a timeout explains itself.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            message = f"timed out after {timeout}s waiting for {what}; the last check returned {_describe(value)}"
            if seen is not None:
                try:
                    message += f"\nwhat there was instead: {_describe(seen())}"
                except Exception as exc:  # noqa: BLE001 (whatever broke, the timeout must still be reported)
                    message += f"\n(could not read what there was: {exc!r})"
            raise AssertionError(message)
        pause.wait(POLL)
