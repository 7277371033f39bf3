"""A pytest plugin that prints how many examples and steps the chaos state machine explored, at the end of the run.

The chaos test calls ``record_chaos_explored(request.node, examples, steps)``; the figures ride on the
test's report (so they reach this summary from pytest-xdist workers too), as the fuzzers' counts do.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pluggy import Result

CHAOS_EXPLORED = pytest.StashKey[tuple[int, int]]()
_TALLY: list[tuple[str, int, int]] = []


def record_chaos_explored(node: pytest.Item, examples: int, steps: int) -> None:
    node.stash[CHAOS_EXPLORED] = (examples, steps)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    if call.when == "call" and CHAOS_EXPLORED in item.stash:
        outcome.get_result().chaos_explored = item.stash[CHAOS_EXPLORED]  # type: ignore[attr-defined]  # read back below


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    explored = getattr(report, "chaos_explored", None)
    if report.when == "call" and explored is not None:
        _TALLY.append((report.nodeid, int(explored[0]), int(explored[1])))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY:
        return
    terminalreporter.section(f"chaos state machine ({os.environ.get('CHAOS_PROFILE', 'small')} profile)")
    for nodeid, examples, steps in sorted(_TALLY):
        terminalreporter.write_line(f"chaos: {examples:4d} examples {steps:6d} steps  {nodeid}")
    examples, steps = sum(t[1] for t in _TALLY), sum(t[2] for t in _TALLY)
    terminalreporter.write_line(f"chaos: {examples:4d} examples {steps:6d} steps in all")
