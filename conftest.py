"""Root fixtures: databases, the live booking service, and backend selection.

Any test that uses ``db_backend`` (directly or through ``app_server``) runs once
on SQLite and once on PostgreSQL. PostgreSQL is skipped only outside CI when it
is unreachable; in CI an unreachable PostgreSQL fails the run. Set
``HARNESS_DATABASES=sqlite`` to run the embedded default alone.
"""

from __future__ import annotations

import os
import zlib

import pytest
from hypothesis import HealthCheck, settings

from harness.browser import launched_chromium
from harness.bytecode import keep_bytecode
from harness.databases import PostgresDatabases, SqliteDatabases, postgres_unreachable_reason
from harness.scheduling import known_durations, longest_units_first
from harness.shards import DURATIONS
from harness.simulator import start_simulator
from harness.wiring import start_wired_app

# The step modules' assertions say expected vs actual, as a test module's do (--import-mode=importlib
# rewrites only test modules and conftests by itself). Registered before steps/conftest imports them.
pytest.register_assert_rewrite("steps")

# The app, CLI and simulator processes tests start reuse compiled bytecode even when pytest was started directly.
keep_bytecode(os.environ)

pytest_plugins = [
    "harness.bdd_xdist",  # cucumber JSON from pytest-xdist workers
    "harness.fuzz_report",  # prints the fuzzers' request counts at the end of a run
    "harness.chaos_report",  # prints the examples and steps the chaos state machine explored
    "harness.evidence",  # a failing test's step, journal, HTTP exchanges, app log, browser trace
    "harness.selection",  # --feature-path PATH[:LINE] and the @wip rule
    "harness.remote",  # --target: the features against a deployed copy
]

# Property tests draw the same examples on every run, in any order and on any worker (each test's
# examples derive from its name): the gate stays deterministic. HYPOTHESIS_PROFILE=explore draws new
# examples each run and remembers failing ones in .hypothesis/, for hunting beyond the gate.
# Neither profile judges by the clock (no per-example deadline, no "too slow" health check): on a
# loaded 2-core CI machine the same examples take several times longer, and a verdict must not depend on it.
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("gate", derandomize=True, database=None, print_blob=True, **_UNTIMED)
settings.register_profile("explore", derandomize=False, print_blob=True, **_UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))


def _backends() -> list[str]:
    chosen = os.environ.get("HARNESS_DATABASES", "sqlite,postgresql")
    return [b.strip() for b in chosen.split(",") if b.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        backends = _backends()
        if metafunc.definition.get_closest_marker("browser") is not None:
            backends = backends[:1]  # browser journeys check the UI; the database matrix is covered elsewhere
        only = metafunc.definition.get_closest_marker("postgresql_only")
        if only is not None:  # shown as a skip on SQLite, with the reason (harness mutation finds them by the mark)
            reason = only.kwargs.get("reason") or (only.args[0] if only.args else "PostgreSQL only")
            skip = pytest.mark.skip(reason=reason)
            backends = [b if b == "postgresql" else pytest.param(b, marks=skip) for b in backends]
        metafunc.parametrize("db_backend", backends, scope="function")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups off the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the contracts on one pytest-xdist worker (``--dist loadgroup``), and hand out the work longest first.

    The contracts' pact workspace (every consumer case, run once per process) is worth starting only
    once. Browser journeys are not grouped: each worker starts its own Chromium on its first journey
    (a session fixture), and with the longest units handed out first the journeys spread over every
    worker at the start of the run instead of queueing on one or two.
    """
    for item in items:
        if item.nodeid.startswith("contracts/"):
            item.add_marker(pytest.mark.xdist_group("contracts"))
    if hasattr(config, "workerinput") and not config.pluginmanager.has_plugin("randomly"):
        # every worker sorts the same way (pytest-xdist checks that their collections are equal); the
        # controller hands the units out in this order when --no-loadscope-reorder is given (harness test)
        items[:] = longest_units_first(items, known_durations(DURATIONS))
    if os.environ.get("MUTANT_UNDER_TEST"):
        # A mutation run (harness mutation) stops at a mutant's first failing test: the unit tests, milliseconds
        # each, go before the scenarios, so a killed mutant costs milliseconds instead of a scenario's second.
        items.sort(key=lambda item: not item.nodeid.startswith("tests/"))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Name the shuffled order's seed even in quiet runs, so a failure in that order can be replayed."""
    if config.pluginmanager.has_plugin("randomly") and not hasattr(config, "workerinput"):
        seed = config.getoption("randomly_seed", None)
        if seed is not None:
            terminalreporter.write_line(f"random order: replay it with -p randomly --randomly-seed={seed}")


@pytest.fixture(scope="session")
def sqlite_databases():
    databases = SqliteDatabases()
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def postgresql_databases():
    reason = postgres_unreachable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL matrix)")
        pytest.skip(reason)
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest):
    databases = request.getfixturevalue(f"{db_backend}_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture(scope="session")
def simulator_server():
    """One simulator process for the whole run (Stripe, Calendly, SendGrid and the control API)."""
    from harness.remote import remote_simulators, target_url  # a plugin too: imported once registered

    if target_url():
        yield remote_simulators()  # the ones the deployed target is wired to
        return
    handle = start_simulator(seed=1)
    yield handle
    handle.stop()


@pytest.fixture
def simulators(simulator_server, request: pytest.FixtureRequest):
    """The simulators, reset to a clean state with a seed derived from the test's id (replayable)."""
    simulator_server.reset(zlib.crc32(request.node.nodeid.encode()))
    return simulator_server


@pytest.fixture
def app_server(db_url: str, simulators):
    """The booking service on a free port and a fresh database, wired to the simulators."""
    from harness.remote import remote_app, target_url

    if target_url():
        yield remote_app()  # a deployed copy (harness run --target)
        return
    running = start_wired_app(db_url, simulators)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole run; each test opens its own context."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def recorded_context(chromium, request):
    """Opens browser contexts whose Playwright trace (and a screenshot) is kept under ``reports/evidence/``
    if the test fails: ``recorded_context(**new_context_options)`` returns the context's first page."""
    from harness.evidence import keep_browser_evidence

    opened = []

    def open_page(**options):
        context = chromium.new_context(**options)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        opened.append((context, page))
        return page

    yield open_page
    for context, page in opened:
        keep_browser_evidence(request.node, context, page)
