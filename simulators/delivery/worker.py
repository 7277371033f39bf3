"""The background sender of auto mode: delivers as soon as something is due, like a real provider.

It sleeps on the engine's condition and wakes when an event is submitted, when
the next delivery falls due, or when the virtual clock moves. The clock has
its own condition, so a small relay thread turns clock changes (including
``hub.clock.advance`` calls that bypass the engine) into engine wake-ups.
Both threads hold the engine only weakly, so a dropped engine stops them.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

from simulators.clock import VirtualClock

log = logging.getLogger(__name__)

# How long the relay waits on the clock before re-checking it; bounds the delay
# of a clock change that lands in the instant between two waits.
CLOCK_RELAY_WAIT = 1.0


class AutoDeliveryWorker:
    def __init__(self, *, clock: VirtualClock, wake: threading.Condition, owner: Any) -> None:
        """``owner`` provides ``seconds_until_due()`` and ``send_due()`` (the engine)."""
        self._clock = clock
        self._wake = wake
        self._owner = weakref.ref(owner)
        self._stopped = threading.Event()
        self._sender = threading.Thread(target=self._run, name="delivery-worker", daemon=True)
        self._relay = threading.Thread(target=self._relay_clock, name="delivery-clock-relay", daemon=True)

    @property
    def alive(self) -> bool:
        return self._sender.is_alive()

    def start(self) -> None:
        self._sender.start()
        self._relay.start()

    def stop(self, timeout: float = 5.0, *, join: bool = True) -> None:
        self._stopped.set()
        with self._wake:
            self._wake.notify_all()
        if join and threading.current_thread() is not self._sender:
            self._sender.join(timeout)

    def _run(self) -> None:
        while self._wait_until_due():
            owner = self._owner()
            if owner is None:
                return
            try:
                owner.send_due()
            except Exception:  # a provider callback or signer bug must not stop all future deliveries
                log.exception("webhook delivery failed inside the engine")
            del owner

    def _wait_until_due(self) -> bool:
        """Block until something is due (True) or the worker is stopped (False)."""
        with self._wake:
            while not self._stopped.is_set():
                owner = self._owner()
                if owner is None:
                    return False
                wait = owner.seconds_until_due()
                del owner
                if wait is not None and wait <= 0:
                    return True
                self._wake.wait(wait)
            return False

    def _relay_clock(self) -> None:
        seen = self._clock.offset
        while not self._stopped.is_set():
            self._clock.wait_for_change(CLOCK_RELAY_WAIT)
            offset = self._clock.offset
            if offset != seen:
                seen = offset
                with self._wake:
                    self._wake.notify_all()
