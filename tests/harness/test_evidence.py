"""A failing scenario carries its evidence into every report.

Each test plants a throwaway feature under ``tmp_path`` whose last step is defined only there (a
fixture-only failing step; the app is not changed), runs it in a pytest subprocess with the
project's fixtures, and reads the reports it wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STEPS_MODULE = """
from pytest_bdd import parsers, scenarios, then

from harness import http_clients
from steps.conftest import *  # noqa: F403 (the project's steps and scenario fixtures)
from steps.conftest import _database_matrix  # noqa: F401 (autouse: the scenario gets its database)

scenarios("planted.feature")


@then(parsers.parse("the planted check sees {amount:d} captured"))
def planted_check(app_server, amount):
    http_clients.get(f"{app_server.url}/healthz")
    captured = {"captured": [4500], "currency": "eur"}
    assert captured["captured"] == [amount]
"""

API_FEATURE = """Feature: Planted failure
  Scenario: A planted step fails after the app took a Calendly webhook
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes
    And Calendly has a routing form "Find your session" asking "Email" and "Goal"
    When "nobody@example.com" fills in the routing form without booking
    Then the planted check sees 4400 captured
"""

BROWSER_FEATURE = """@browser
Feature: Planted browser failure
  Scenario: A planted browser step fails on the marketplace page
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And a phone browser whose time zone is "Europe/Paris"
    When the client searches the marketplace for "python" in the browser
    Then the page shows the planted banner
"""

BROWSER_STEP = """

@then("the page shows the planted banner")
def planted_banner(tab):
    assert tab.page.title() == "no such title"
"""


def run_planted(tmp_path: Path, feature: str, extra_steps: str = "") -> tuple[subprocess.CompletedProcess, Path]:
    (tmp_path / "planted.feature").write_text(feature, encoding="utf-8")
    (tmp_path / "test_planted.py").write_text(STEPS_MODULE + extra_steps, encoding="utf-8")
    reports = tmp_path / "reports"
    command = [
        sys.executable, "-m", "pytest", str(tmp_path / "test_planted.py"),
        "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
        "-p", "conftest",  # the project's root fixtures (simulators, app_server, chromium...)
        "-n", "0", "-p", "no:randomly",
        "-o", f"bdd_features_base_dir={tmp_path}",
        f"--junitxml={reports / 'junit.xml'}", f"--cucumberjson={reports / 'cucumber.json'}",
        f"--html={reports / 'report.html'}", "--self-contained-html",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HARNESS_DATABASES": "sqlite",
        "HARNESS_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    answer = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return answer, reports


def failing_step(cucumber: Path) -> dict:
    steps = [s for f in json.loads(cucumber.read_text()) for e in f["elements"] for s in e["steps"]]
    return next(s for s in steps if s["result"]["status"] == "failed")


def test_a_failing_scenario_carries_step_expected_actual_journal_and_http_exchanges(tmp_path):
    answer, reports = run_planted(tmp_path, API_FEATURE)

    assert answer.returncode == 1, answer.stdout[-3000:] + answer.stderr[-3000:]
    step = failing_step(reports / "cucumber.json")
    assert step["name"] == "the planted check sees 4400 captured"
    html = unescape(
        unescape((reports / "report.html").read_text(encoding="utf-8"))
    )  # the log: an attribute, escaped twice
    for text in (step["result"]["error_message"], html, answer.stdout):
        # the failing Gherkin step, with its place
        assert re.search(r"Then the planted check sees 4400 captured  \(\S*planted\.feature:7", text)
        # expected vs actual: the step modules are assertion-rewritten
        assert re.search(r"assert \[4500\] == \[4400\]", text), text[-4000:]
        # the journal slice: the routing form webhook, its endpoint, attempt and answer
        assert re.search(r"calendly routing_form_submission\.created event=\S+ -> http://127\.0\.0\.1:\d+/", text)
        assert "attempt 1 (original): 200" in text
        # the last HTTP exchanges of the steps with the app
        assert re.search(r"GET http://127\.0\.0\.1:\d+/healthz -> 200", text)
        assert "App log (this test)" in text
    junit = (reports / "junit.xml").read_text(encoding="utf-8")
    assert "Simulators&apos; journal" in junit or "Simulators' journal" in junit


def test_the_step_modules_are_assertion_rewritten():
    import steps.common_steps

    # a failing assert in a step says expected vs actual (assert [4500] == [4400]), not just the actual
    assert type(steps.common_steps.__loader__).__name__ == "AssertionRewritingHook"


@pytest.mark.browser
def test_a_failing_browser_step_keeps_its_trace_screenshot_and_video(tmp_path):
    from harness.browser import require_chromium

    require_chromium()
    answer, reports = run_planted(tmp_path, BROWSER_FEATURE, BROWSER_STEP)

    assert answer.returncode == 1, answer.stdout[-3000:] + answer.stderr[-3000:]
    kept = list((tmp_path / "evidence").glob("*/trace.zip"))
    assert len(kept) == 1, list((tmp_path / "evidence").rglob("*"))
    folder = kept[0].parent
    import zipfile

    assert zipfile.is_zipfile(kept[0]) and any(n.endswith(".trace") for n in zipfile.ZipFile(kept[0]).namelist())
    assert (folder / "screenshot.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / "video.webm").stat().st_size > 0
    step = failing_step(reports / "cucumber.json")
    assert f"playwright show-trace {folder}/trace.zip" in step["result"]["error_message"]
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html  # the last page, in the report itself
