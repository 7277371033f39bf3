"""``harness run --target``: the features against the app started as its own process on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from harness.app_process import start_wired_app_process
from harness.remote import IN_PROCESS_REASON, OWN_WORLD_REASON, format_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app-process")]


def outcomes(junit: Path) -> dict[str, str]:
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        skipped = case.find("skipped")
        result[case.get("name")] = (
            "failed"
            if kinds & {"failure", "error"}
            else f"skipped: {skipped.get('message')}"
            if skipped is not None
            else "passed"
        )
    return result


def test_the_eligible_features_run_against_a_separately_started_app(postgresql_databases, simulators, tmp_path):
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
    counts = Counter(r.split(":")[0] for r in results.values())
    print(f"--target: {counts['passed']} run, {counts['skipped']} skipped", dict(Counter(results.values())))
    assert counts["passed"] >= 1 and counts["failed"] == 0
    assert results["test_the_service_reports_itself_live_and_ready[target]"] == "passed"
    skipped_reasons = {r for r in results.values() if r.startswith("skipped")}
    assert any(IN_PROCESS_REASON in r for r in skipped_reasons)
    assert any(OWN_WORLD_REASON in r for r in skipped_reasons)
    assert "GET /readyz" in app_log or '"path": "/readyz"' in app_log  # the separate process answered
