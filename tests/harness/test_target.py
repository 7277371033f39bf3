"""``harness run --target``: the features against the app started as its own process on PostgreSQL.

Every scenario that does not change the app's configuration or process, put a fault on a whole
simulator, or check a list only the whole deployment gives, runs against a shared app; the run and
skipped counts, with each skip's reason, are printed and recorded in the JUnit report.

The features run in four parts, each against an app process of its own, so that pytest-xdist spreads
them over its workers: run as one, they were the suite's longest test by far and kept one worker
busy for minutes after the others had finished. Together the parts cover every feature folder.
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

pytestmark = [pytest.mark.slow]

# Each part's feature folders or files, the step modules whose scenarios must run in it, and how many of its
# scenarios ran on the shared deployment when this was written (fewer means a regression); 132 of 155 in all.
PARTS = {
    "payments": (["features/payments"], {"steps.test_payments"}, 32),
    "calendly": (["features/calendly"], {"steps.test_calendly"}, 41),
    "booking-email-deployment": (
        ["features/booking", "features/email", "features/deployment"],
        {"steps.test_booking", "steps.test_email", "steps.test_deployment"},
        35,
    ),
    "journeys-booking": (
        ["features/journeys/browser_booking.feature", "features/journeys/pathway_session.feature"],
        {"steps.test_journeys"},
        7,
    ),
    "journeys-providers": (
        ["features/journeys/paid_checkout.feature", "features/journeys/provider_events.feature"],
        {"steps.test_journeys"},
        17,
    ),
}


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


def test_every_feature_file_is_in_exactly_one_part():
    def files(path: str) -> list[str]:
        found = ROOT / path
        features = [found] if found.is_file() else sorted(found.rglob("*.feature"))
        return [f.relative_to(ROOT).as_posix() for f in features]

    placed = [feature for paths, _, _ in PARTS.values() for path in paths for feature in files(path)]
    assert sorted(placed) == sorted(files("features"))


@pytest.mark.parametrize("part", list(PARTS))
def test_the_eligible_features_run_against_a_separately_started_app(
    part, postgresql_databases, simulators, tmp_path, record_property
):
    folders, modules, floor = PARTS[part]
    db_url = postgresql_databases.create()
    try:
        with start_wired_app_process(db_url, simulators, workers=1, threads=4) as app:
            env_file = tmp_path / "app.env"
            env_file.write_text(format_env(app.env), encoding="utf-8")
            command = [
                sys.executable, "-c", "from harness.cli import main; main()", "run",
                "--target", app.url, "--simulators", simulators.url, "--target-env", str(env_file),
                "-p", "no:randomly", *folders,
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
    summary = f"--target {part}: {counts['passed']} ran, {counts['skipped']} skipped, {counts['failed']} failed"
    print(summary, *(f"  {n} {reason}" for reason, n in reasons.most_common()), sep="\n")
    record_property("target_counts", f"{summary}; " + "; ".join(f"{n} {r}" for r, n in reasons.most_common()))

    assert counts["failed"] == 0 and counts["passed"] >= floor, summary
    ran_in = {module for module, outcome in results.values() if outcome == "passed"}
    assert modules <= ran_in, ran_in
    known = {reason for _, reason in SHARED_DEPLOYMENT_LIMITS}
    assert all(any(k in r for k in known) for r in reasons), reasons  # every skip says which limit it hit
    assert "GET /" in app_log or '"path": "/' in app_log  # the separate process answered
    if "features/deployment" in folders:
        assert results["test_the_service_reports_itself_live_and_ready[target]"][1] == "passed"
        assert any(IN_PROCESS_REASON in r for r in reasons)
        assert "GET /readyz" in app_log or '"path": "/readyz"' in app_log
