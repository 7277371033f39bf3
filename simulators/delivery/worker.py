"""The background sender of auto mode: delivers as soon as something is due, like a real provider.

It sleeps on the engine's condition and wakes when an event is submitted, when
the next delivery falls due, or when the virtual clock moves. The clock has
its own condition, so a small relay thread turns clock changes (including
``hub.clock.advance`` calls that bypass the engine) into engine wake-ups.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from simulators.clock import VirtualClock

log = logging.getLogger(__name__)

# How long the relay waits on the clock before re-checking it; bounds the delay
# of a clock change that lands in the instant between two waits.
CLOCK_RELAY_WAIT = 1.0


class AutoDeliveryWorker:
    def __init__(self, *, clock: VirtualClock, wake: threading.Condition,
                 seconds_until_due: Callable[[], float | None], send_due: Callable[[], None]) -> None:
        self._clock = clock
        self._wake = wake
        self._seconds_until_due = seconds_until_due  # called with ``wake``'s lock held
        self._send_due = send_due
        self._stopped = threading.Event()
        self._sender = threading.Thread(target=self._run, name="delivery-worker", daemon=True)
        self._relay = threading.Thread(target=self._relay_clock, name="delivery-clock-relay", daemon=True)

    def start(self) -> None:
        self._sender.start()
        self._relay.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        with self._wake:
            self._wake.notify_all()
        if threading.current_thread() is not self._sender:
            self._sender.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped.is_set():
                    wait = self._seconds_until_due()
                    if wait is not None and wait <= 0:
                        break
                    self._wake.wait(wait)
                if self._stopped.is_set():
                    return
            try:
                self._send_due()
            except Exception:  # a provider callback or signer bug must not stop all future deliveries
                log.exception("webhook delivery failed inside the engine")

    def _relay_clock(self) -> None:
        seen = self._clock.offset
        while not self._stopped.is_set():
            self._clock.wait_for_change(CLOCK_RELAY_WAIT)
            offset = self._clock.offset
            if offset != seen:
                seen = offset
                with self._wake:
                    self._wake.notify_all()
