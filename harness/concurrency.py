"""Races for tests: many calls released at the same moment, every result and every error kept.

``all_at_once`` runs ``action(i)`` for each racer on its own thread (``concurrent.futures``),
holds them at a barrier so they really start together, and waits for all of them with a
deadline. A racer that raised re-raises here, and racers still running at the deadline fail the
call, so a race test can never pass on half its racers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def all_at_once(action: Callable[[int], T], count: int, *, timeout: float = 120.0) -> list[T]:
    """``[action(0), ..., action(count - 1)]``, run on ``count`` threads released together."""
    barrier = threading.Barrier(count)

    def released(index: int) -> T:
        barrier.wait(timeout=timeout)
        return action(index)

    pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="racer")
    futures = [pool.submit(released, index) for index in range(count)]
    _, running = wait(futures, timeout=timeout)
    pool.shutdown(wait=not running, cancel_futures=True)
    if running:
        raise TimeoutError(f"{len(running)} of {count} racers were still running after {timeout:.0f} s")
    return [future.result() for future in futures]
