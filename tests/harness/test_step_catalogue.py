"""``harness steps`` lists the real step sentences; ``harness check`` binds feature lines without running them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def harness(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from harness.cli import main; main()", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_steps_grep_lists_sentences_with_their_real_file_and_line():
    answer = harness("steps", "--grep", "refund")

    assert answer.returncode == 0, answer.stderr
    locations = [line.split()[0] for line in answer.stdout.splitlines() if line.startswith("      steps/")]
    assert locations, answer.stdout
    for location in locations:
        file, line = location.split(":")
        source = (ROOT / file).read_text().splitlines()
        # the line is the step's decorator, naming the sentence's kind
        assert source[int(line) - 1].lstrip().startswith(("@given", "@when", "@then", "@step")), location
    assert "refund" in answer.stdout.lower()
    assert "step sentence(s) matching 'refund'" in answer.stdout


def test_steps_shows_each_sentences_docstring_first_line():
    from harness.step_catalogue import catalogue

    entries = catalogue()
    documented = [e for e in entries if e.doc]
    assert documented
    sample = documented[0]
    answer = harness("steps", "--grep", sample.sentence)
    assert f"{sample.location}  - {sample.doc}" in answer.stdout


def test_check_passes_on_the_committed_features():
    answer = harness("check")

    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "harness check: ok:" in answer.stdout and ", 0 unbound" in answer.stdout


def test_check_fails_on_a_mistyped_step_and_names_the_nearest_sentence(tmp_path):
    feature = tmp_path / "typo.feature"
    feature.write_text(
        "Feature: a typo\n"
        "  Scenario: the health check\n"
        "    When the orchestrator probes the service\n"
        "    When the orchestrater probes the servise\n",
        encoding="utf-8",
    )

    answer = harness("check", str(feature))

    assert answer.returncode == 1, answer.stdout
    assert f"{feature}:4: no step matches: When the orchestrater probes the servise" in answer.stdout
    assert "    did you mean: the orchestrator probes the service" in answer.stdout
    assert ":3:" not in answer.stdout  # the correctly typed line is bound
    assert "1 unbound" in answer.stdout
