"""Evidence on a failing scenario, attached to its report so every report format carries it.

When a test fails, this plugin (loaded by the root conftest) adds sections to the failure itself
(``longrepr``), which the terminal, the JUnit XML, the cucumber JSON (its ``error_message``) and the
HTML report all print:

- the failing Gherkin step, with its feature file and line;
- the simulators' journal for the scenario (they are reset per scenario): each delivery attempt's
  event id and type, endpoint, attempt number, status, response body head and the plan's faults;
- the last HTTP exchanges the steps had (``harness.http_clients`` records them), simulators' control
  calls left out since the journal says more;
- the app's log lines written during the test (JSON lines on its captured stderr).

Browser steps add their own evidence through :func:`keep_browser_evidence` (a Playwright trace, a
screenshot and the video, kept only on failure, under ``reports/evidence/``), and every browser
journey's last page goes into the HTML report as a screenshot.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from _pytest._code.code import ExceptionRepr

from harness import http_clients
from harness.journal import attempt_lines

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page
    from pytest_bdd.parser import Feature, Scenario, Step

ROOT = Path(__file__).resolve().parent.parent
FAILED_STEP = pytest.StashKey[str]()
SIMULATOR_URL = pytest.StashKey[str]()
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
EXTRAS = pytest.StashKey[list[dict[str, Any]]]()


def evidence_dir(item: pytest.Item) -> Path:
    """Where a test's files go: ``reports/evidence/<test id>/`` (``HARNESS_EVIDENCE_DIR`` moves the root)."""
    root = Path(os.environ.get("HARNESS_EVIDENCE_DIR") or ROOT / "reports" / "evidence")
    return root / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[:150]


def failed(item: pytest.Item) -> bool:
    """Did the test fail so far (set-up or call)? For fixtures deciding what to keep at teardown."""
    return any(report.failed for report in item.stash.get(REPORTS, {}).values())


def attach(item: pytest.Item, extra: dict[str, Any]) -> None:
    """Add a pytest-html extra (image, text, link) to the test's report, whatever its outcome."""
    item.stash.setdefault(EXTRAS, []).append(extra)


def attach_png(item: pytest.Item, png: bytes, name: str) -> None:
    from pytest_html import extras

    attach(item, extras.png(base64.b64encode(png).decode("ascii"), name))


# ------------------------------------------------------------------------------------------- pieces


def journal_slice(simulator_url: str, after: int = 0) -> str:
    """Every delivery attempt the simulators journaled since the scenario reset them (or, on simulators
    shared with earlier scenarios, since the delivery numbered ``after``, where the scenario began)."""
    try:
        answer = http_clients.get(f"{simulator_url}/_sim/deliveries", params={"after": after}, timeout=5)
        return attempt_lines(answer.json())
    except (httpx.HTTPError, ValueError) as exc:  # the simulators may be what broke
        return f"(journal unavailable: {exc})"


def http_exchanges(simulator_url: str | None) -> str:
    rows = [
        r
        for r in http_clients.EXCHANGES.rows()
        if not (simulator_url and r.url.startswith(f"{simulator_url}/_sim"))  # the journal covers the simulators
    ]
    return "\n".join(r.describe() for r in rows[-15:]) or "(none)"


def app_log_lines(report: pytest.TestReport, limit: int = 40) -> str:
    lines = [line for line in report.capstderr.splitlines() if line.startswith("{") and '"event"' in line]
    return "\n".join(lines[-limit:]) or "(no app log lines)"


def _add_section(report: pytest.TestReport, title: str, text: str) -> None:
    longrepr = report.longrepr
    if isinstance(longrepr, ExceptionRepr):
        longrepr.addsection(title, text)
    else:
        report.longrepr = f"{longrepr}\n\n{'-' * 20} {title} {'-' * 20}\n{text}"


# -------------------------------------------------------------------------------------------- hooks


def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    step_func: Callable[..., Any],
    step_func_args: dict[str, Any],
    exception: BaseException,
) -> None:
    where = f"{feature.rel_filename}:{step.line_number}"
    request.node.stash[FAILED_STEP] = f'{step.keyword} {step.name}  ({where}, scenario "{scenario.name}")'


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Note the simulators a test used (steps reach them through pytest-bdd, not its signature)."""
    value = yield
    if fixturedef.argname == "simulators" and hasattr(value, "url"):
        request.node.stash[SIMULATOR_URL] = value.url
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    http_clients.EXCHANGES.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    if report.failed and report.when in ("setup", "call"):
        simulator_url = item.stash.get(SIMULATOR_URL, None)
        step = item.stash.get(FAILED_STEP, None)
        if step:
            _add_section(report, "Failing step", step)
        if simulator_url:
            # a deployed target's scenario names where the shared journal stood when it began (steps' World)
            began = getattr(getattr(item, "funcargs", {}).get("world"), "journal_since", None) or 0
            _add_section(report, "Simulators' journal (this scenario)", journal_slice(simulator_url, began))
        if step or simulator_url or http_clients.EXCHANGES.rows():  # a plain unit test gets no empty sections
            _add_section(report, "Last HTTP exchanges of the steps", http_exchanges(simulator_url))
            _add_section(report, "App log (this test)", app_log_lines(report))
        if item.get_closest_marker("browser") is not None:
            folder = evidence_dir(item)
            _add_section(
                report,
                "Browser evidence",
                f"{folder}/trace.zip (playwright show-trace {folder}/trace.zip)\n"
                f"{folder}/screenshot.png\n{folder}/video.webm",
            )
    if report.when == "teardown" and item.stash.get(EXTRAS, None):
        # teardown is where browser fixtures save their files; pytest-html reads extras off any phase
        report.extras = [*getattr(report, "extras", []), *item.stash[EXTRAS]]  # type: ignore[attr-defined]
    return report


def keep_browser_evidence(
    item: pytest.Item, context: BrowserContext, page: Page, screenshot: Path | None = None
) -> list[Path]:
    """Stop the context's trace and video; keep them (and a screenshot) only if the test failed.

    Always attaches the last page's screenshot to the HTML report (``screenshot``: one already
    taken). Call at teardown, before the context is closed; closes it.
    """
    kept: list[Path] = []
    from playwright.sync_api import Error as PlaywrightError

    try:
        png = screenshot.read_bytes() if screenshot else page.screenshot(full_page=True)
    except PlaywrightError:  # a crashed page has no screenshot; the trace still tells
        png = b""
    if png:
        attach_png(item, png, "last page")
    if failed(item):
        folder = evidence_dir(item)
        folder.mkdir(parents=True, exist_ok=True)
        trace = folder / "trace.zip"
        context.tracing.stop(path=str(trace))
        kept.append(trace)
        if png:
            (folder / "screenshot.png").write_bytes(png)
            kept.append(folder / "screenshot.png")
        video = page.video
        context.close()
        if video is not None:
            target = folder / "video.webm"
            video.save_as(str(target))
            video.delete()
            kept.append(target)
        _attach_files(item, kept)
    else:
        context.tracing.stop()
        video = page.video
        context.close()
        if video is not None:
            video.delete()
    return kept


def _attach_files(item: pytest.Item, paths: list[Path]) -> None:
    from pytest_html import extras

    for path in paths:
        attach(item, extras.url(path.resolve().as_uri(), name=path.name))
    attach(
        item,
        extras.text(
            "\n".join(str(p) for p in paths) + f"\nopen the trace: playwright show-trace {paths[0]}", name="evidence"
        ),
    )
