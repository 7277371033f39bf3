"""``harness run --target``: the features against the app started as its own process on PostgreSQL.

Every scenario that does not change the app's configuration or process, put a fault on a whole
simulator, or check a list only the whole deployment gives, runs against the one shared app; the
run and skipped counts, with each skip's reason, are printed and recorded in the JUnit report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from harness.app_process import start_wired_app_process
from harness.remote import IN_PROCESS_REASON, SHARED_DEPLOYMENT_LIMITS, format_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app-process")]

FLOOR = 132  # of 155 scenarios ran on the shared deployment when this was written: fewer means a regression


def outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """Each test case's (feature module, outcome), the outcome being passed, failed or "skipped: <reason>"."""
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        skipped = case.find("skipped")
        outcome = (
            "failed"
            if kinds & {"failure", "error"}
            else f"skipped: {skipped.get('message')}"
            if skipped is not None
            else "passed"
        )
        result[case.get("name")] = (case.get("classname") or "", outcome)
    return result


def test_the_eligible_features_run_against_a_separately_started_app(
    postgresql_databases, simulators, tmp_path, record_property
):
    db_url = postgresql_databases.create()
    try:
        with start_wired_app_process(db_url, simulators, workers=1, threads=4) as app:
            env_file = tmp_path / "app.env"
            env_file.write_text(format_env(app.env), encoding="utf-8")
            command = [
                sys.executable, "-c", "from harness.cli import main; main()", "run",
                "--target", app.url, "--simulators", simulators.url, "--target-env", str(env_file),
                "-p", "no:randomly",
            ]  # fmt: skip
            env = {**os.environ, "HARNESS_REPORTS": str(tmp_path / "reports"), "HARNESS_WORKERS": "0"}
            answer = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
            )
            app_log = app.log_text()
    finally:
        postgresql_databases.drop(db_url)

    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-2000:]
    results = outcomes(tmp_path / "reports" / "features-junit.xml")
    counts = Counter(outcome.split(":")[0] for _, outcome in results.values())
    reasons = Counter(outcome for _, outcome in results.values() if outcome.startswith("skipped"))
    summary = f"--target: {counts['passed']} ran, {counts['skipped']} skipped, {counts['failed']} failed"
    print(summary, *(f"  {n} {reason}" for reason, n in reasons.most_common()), sep="\n")
    record_property("target_counts", f"{summary}; " + "; ".join(f"{n} {r}" for r, n in reasons.most_common()))

    assert counts["failed"] == 0 and counts["passed"] >= FLOOR, summary
    ran_in = {module for module, outcome in results.values() if outcome == "passed"}
    assert {f"steps.test_{c}" for c in ("booking", "calendly", "email", "payments", "journeys")} <= ran_in, ran_in
    assert results["test_the_service_reports_itself_live_and_ready[target]"][1] == "passed"
    known = {reason for _, reason in SHARED_DEPLOYMENT_LIMITS}
    assert all(any(k in r for k in known) for r in reasons), reasons  # every skip says which limit it hit
    assert any(IN_PROCESS_REASON in r for r in reasons)
    assert "GET /readyz" in app_log or '"path": "/readyz"' in app_log  # the separate process answered
