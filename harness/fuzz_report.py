"""A pytest plugin that prints how many requests each fuzz test sent, at the end of the run.

A fuzz test calls ``record_fuzz_requests(request.node, n)``; the figure is copied onto the test's
report (so it reaches this summary from pytest-xdist workers too, and stays out of the JUnit XML).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pluggy import Result

FUZZ_REQUESTS = pytest.StashKey[int]()
_TALLY: list[tuple[str, int]] = []


def record_fuzz_requests(node: pytest.Item, count: int) -> None:
    node.stash[FUZZ_REQUESTS] = count


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    if call.when == "call" and FUZZ_REQUESTS in item.stash:
        outcome.get_result().fuzz_requests = item.stash[FUZZ_REQUESTS]  # type: ignore[attr-defined]  # read back below


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    count = getattr(report, "fuzz_requests", None)
    if report.when == "call" and count is not None:
        _TALLY.append((report.nodeid, int(count)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY:
        return
    terminalreporter.section(f"fuzzing ({os.environ.get('FUZZ_PROFILE', 'small')} profile)")
    for nodeid, count in sorted(_TALLY):
        terminalreporter.write_line(f"fuzz: {count:6d} requests  {nodeid}")
    terminalreporter.write_line(f"fuzz: {sum(count for _, count in _TALLY):6d} requests in all")
