"""A pytest plugin that prints how many requests each fuzz test sent, at the end of the run.

Fuzz tests record ``record_property("fuzz_requests", n)``; the figure travels in the test report,
so it reaches this summary from pytest-xdist workers too.
"""

from __future__ import annotations

import os

import pytest

_TALLY: list[tuple[str, int]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        for name, value in report.user_properties:
            if name == "fuzz_requests":
                _TALLY.append((report.nodeid, int(value)))


def pytest_terminal_summary(terminalreporter) -> None:
    if not _TALLY:
        return
    terminalreporter.section(f"fuzzing ({os.environ.get('FUZZ_PROFILE', 'small')} profile)")
    for nodeid, count in sorted(_TALLY):
        terminalreporter.write_line(f"fuzz: {count:6d} requests  {nodeid}")
    terminalreporter.write_line(f"fuzz: {sum(count for _, count in _TALLY):6d} requests in all")
