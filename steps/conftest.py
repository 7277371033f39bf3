"""Makes every step family visible to every feature, and wires the scenario fixtures."""

from __future__ import annotations

import pytest

from harness.remote import scenario_suffix
from harness.web import Visitor
from steps.support import World

# Each step family is a plugin: its step definitions (fixtures) are visible to every feature, by module name.
STEP_MODULES = [
    "steps.booking_steps",
    "steps.browser_steps",
    "steps.calendly_checks",
    "steps.calendly_steps",
    "steps.common_steps",
    "steps.deployment_steps",
    "steps.email_checks",
    "steps.email_steps",
    "steps.journey_steps",
    "steps.payment_browser_steps",
    "steps.payment_fault_steps",
    "steps.payment_integrity_steps",
    "steps.payment_recovery_steps",
    "steps.payment_steps",
    "steps.timezone_steps",
    "steps.validation_steps",
]
# Registered for assertion rewriting before any is imported; the helpers they share (steps.support) too.
pytest.register_assert_rewrite("steps.support", *STEP_MODULES)
pytest_plugins = STEP_MODULES


@pytest.fixture(autouse=True)
def world(request: pytest.FixtureRequest) -> World:
    """The scenario's names: the feature's own in-process, made unique on a shared deployed target.

    On a shared target it also notes where the simulators' delivery journal stood when the scenario
    began (scenarios run one at a time there), so checks read only the deliveries that came after.
    """
    suffix = scenario_suffix(request.node.nodeid)
    if not suffix:
        return World()
    with request.getfixturevalue("simulators").control() as control:
        position = control.get("/health").json()["last_sequence"]
    return World(suffix, journal_since=position)


@pytest.fixture
def admin(app_server):
    """The operator API client of the app under test."""
    client = app_server.admin()
    yield client
    client.close()


@pytest.fixture
def visitors(app_server):
    """Every Visitor a scenario opens, closed at the end."""
    opened: list[Visitor] = []

    def open_visitor() -> Visitor:
        visitor = Visitor(app_server.url)
        opened.append(visitor)
        return visitor

    yield open_visitor
    for visitor in opened:
        visitor.close()


@pytest.fixture(autouse=True)
def _database_matrix(db_backend: str) -> str:
    """Puts every scenario in the SQLite x PostgreSQL matrix (see the root conftest)."""
    return db_backend
