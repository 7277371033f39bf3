"""``harness.concurrency.all_at_once``: results in racer order, errors raised, stragglers fail the race."""

from __future__ import annotations

import threading

import pytest

from harness.concurrency import all_at_once


def test_results_come_back_in_racer_order_and_the_racers_overlapped():
    inside = threading.Barrier(5)  # passes only if all five are running at the same time

    def racer(index: int) -> int:
        inside.wait(timeout=30)
        return index * 10

    assert all_at_once(racer, 5, timeout=60) == [0, 10, 20, 30, 40]


def test_an_error_in_one_racer_is_raised_not_lost():
    def racer(index: int) -> int:
        if index == 3:
            raise LookupError("racer 3 failed")
        return index

    with pytest.raises(LookupError, match="racer 3 failed"):
        all_at_once(racer, 4)


def test_a_racer_still_running_at_the_deadline_fails_the_race():
    release = threading.Event()

    def racer(index: int) -> int:
        if index == 0:
            release.wait(timeout=30)
        return index

    try:
        with pytest.raises(TimeoutError, match="1 of 3 racers were still running"):
            all_at_once(racer, 3, timeout=0.5)
    finally:
        release.set()
