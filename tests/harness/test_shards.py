"""Shards: every test in exactly one, reports named per shard, one merged report and verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.shards import DURATIONS, Shard, merge_reports

ROOT = Path(__file__).resolve().parents[2]


def collected(*args: str) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:randomly", *args]
    answer = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert answer.returncode == 0, answer.stdout[-3000:] + answer.stderr[-3000:]
    return [line for line in answer.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_two_shards_of_the_whole_suite_hold_every_test_exactly_once():
    runs = [(), Shard(1, 2).pytest_args(), Shard(2, 2).pytest_args()]
    with ThreadPoolExecutor(3) as pool:
        whole, first, second = pool.map(lambda extra: collected(*extra), runs)

    assert len(whole) > 1000
    assert first and second
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(whole)


def test_the_committed_durations_cover_the_suite_they_balance():
    durations = json.loads(DURATIONS.read_text())
    assert len(durations) > 1000 and all(seconds >= 0 for seconds in durations.values())


def test_a_shard_is_read_as_k_of_n_and_names_its_reports():
    shard = Shard.parse("2/4")

    assert (shard.index, shard.total) == (2, 4)
    assert shard.name(Path("reports/junit.xml")) == Path("reports/junit.shard-2-of-4.xml")
    assert shard.pytest_args()[:4] == ["--splits", "4", "--group", "2"]
    for wrong in ("0/2", "3/2", "1", "a/b"):
        with pytest.raises(ValueError):
            Shard.parse(wrong)


def junit(path: Path, cases: dict[str, str]) -> None:
    rows = []
    for name, outcome in cases.items():
        inner = {"failed": '<failure message="boom">boom</failure>', "skipped": '<skipped message="s"/>'}.get(
            outcome, ""
        )
        rows.append(f'<testcase classname="steps.test_x" name="{name}" time="0.1">{inner}</testcase>')
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="{len(cases)}">'
        + "".join(rows)
        + "</testsuite></testsuites>",
        encoding="utf-8",
    )


def cucumber(path: Path, scenario: str, status: str) -> None:
    step = {"keyword": "Then", "name": "it works", "line": 3, "match": {"location": ""}, "result": {"status": status}}
    element = {"keyword": "Scenario", "id": scenario, "name": scenario, "line": 2, "tags": [], "steps": [step]}
    feature = {"keyword": "Feature", "uri": "x.feature", "name": "X", "id": "x", "line": 1, "elements": [element]}
    path.write_text(json.dumps([feature]), encoding="utf-8")


def test_merging_gives_one_report_and_one_verdict(tmp_path):
    junit(tmp_path / "junit.shard-1-of-2.xml", {"a": "passed", "b": "skipped"})
    junit(tmp_path / "junit.shard-2-of-2.xml", {"c": "passed"})
    cucumber(tmp_path / "cucumber.shard-1-of-2.json", "one", "passed")
    cucumber(tmp_path / "cucumber.shard-2-of-2.json", "two", "passed")

    merged = merge_reports(tmp_path)

    assert merged.verdict == 0 and merged.shards_found == [1, 2]
    assert (merged.totals["passed"], merged.totals["skipped"], merged.totals["failed"]) == (2, 1, 0)
    features = json.loads(merged.cucumber.read_text())
    assert [e["name"] for e in features[0]["elements"]] == ["one", "two"]  # one feature, both scenarios
    assert "<html" in merged.html.read_text().lower()

    junit(tmp_path / "junit.shard-2-of-2.xml", {"c": "failed"})
    assert merge_reports(tmp_path).verdict == 1


def test_a_missing_shard_fails_the_merged_verdict(tmp_path):
    junit(tmp_path / "junit.shard-1-of-3.xml", {"a": "passed"})
    junit(tmp_path / "junit.shard-3-of-3.xml", {"b": "passed"})

    merged = merge_reports(tmp_path)

    assert merged.missing == [2] and merged.verdict == 1
