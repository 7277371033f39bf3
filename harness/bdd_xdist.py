"""Carry pytest-bdd's scenario reports from pytest-xdist workers to the controller.

pytest-bdd keeps each test report's Gherkin context (scenario, steps, their outcomes) in a
registry beside the report, not on it, so a report that crosses from a worker to the
controller arrives without it and the cucumber JSON written there comes out empty. These two
hooks put the context into the serialised report on the worker and back into the registry on
the controller, where the cucumber JSON (and the per-feature summary read from it) is written.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd.reporting import ReportContext, test_report_context_registry

KEY = "pytest_bdd_report_context"


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(report: Any) -> Any:
    data = yield
    context = test_report_context_registry.get(report) if isinstance(report, pytest.TestReport) else None
    if data is not None and context is not None:
        data[KEY] = {"scenario": context.scenario, "name": context.name}
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(data: dict[str, Any]) -> Any:
    report = yield
    context = data.get(KEY)
    if isinstance(report, pytest.TestReport) and context is not None:
        report.__dict__.pop(KEY, None)
        test_report_context_registry[report] = ReportContext(scenario=context["scenario"], name=context["name"])
    return report
