"""Makes every step family visible to every feature, and wires the scenario fixtures."""

from __future__ import annotations

import pytest

from harness.web import Visitor
from steps.booking_steps import *  # noqa: F403 (step definitions register as fixtures)
from steps.browser_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.calendly_checks import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.calendly_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.common_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.deployment_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.email_checks import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.email_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.payment_browser_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.payment_fault_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.payment_recovery_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.payment_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.timezone_steps import *  # noqa: F403 (step definitions register as fixtures where imported)
from steps.validation_steps import *  # noqa: F403 (step definitions register as fixtures where imported)


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
