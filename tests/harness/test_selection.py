"""A harness selection: feature paths map to their scenarios, tags select, @wip stays out unless named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness import selection

ROOT = Path(__file__).resolve().parents[2]


def collected(*args: str, cwd: Path = ROOT) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:randomly", *args]
    answer = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)
    assert answer.returncode in (0, 5), answer.stdout + answer.stderr
    return [line for line in answer.stdout.splitlines() if "::" in line]


def test_a_command_line_is_split_into_test_paths_feature_paths_and_pytest_options():
    chosen = selection.split(
        ["features/payments", "steps/test_email.py", "-m", "smoke", "-k", "steps", "-x", "features/booking/x.feature"]
    )

    assert chosen.features == ["features/payments"]
    assert chosen.test_paths == ["steps/test_email.py"]
    # -k's value is not taken for the steps folder; a missing path is left to pytest to report
    assert chosen.options == ["-m", "smoke", "-k", "steps", "-x", "features/booking/x.feature"]
    assert chosen.narrows
    assert chosen.pytest_args(["steps"]) == ["steps/test_email.py", "--feature-path=features/payments", *chosen.options]
    assert not selection.split(["-p", "randomly"]).narrows
    assert selection.split(["features/payments/recovery.feature:41"]).features == [
        "features/payments/recovery.feature:41"
    ]


def test_a_feature_folder_file_and_line_select_exactly_their_scenarios():
    folder = collected("steps", "--feature-path=features/payments")
    one_file = collected("steps", "--feature-path=features/payments/recovery.feature")
    one_line = collected("steps", "--feature-path=features/payments/recovery.feature:41")

    assert folder and set(folder) == set(collected("steps/test_payments.py"))  # features/payments is bound there
    assert 0 < len(one_file) < len(folder) and set(one_file) <= set(folder)
    assert {n.split("[")[0] for n in one_line} == {
        "steps/test_payments.py::test_a_payment_that_arrives_after_the_hold_was_released_is_refunded_and_the_client_told"
    }


def test_the_smoke_set_has_one_scenario_per_capability():
    smoke = collected("steps", "-m", "smoke")
    modules = {node.split("::")[0] for node in smoke}

    assert modules == {str(p.relative_to(ROOT)) for p in (ROOT / "steps").glob("test_*.py")}


def test_wip_scenarios_are_left_out_unless_the_tag_expression_names_them(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "draft.feature").write_text(
        "Feature: drafts\n  Scenario: done\n    Given a step\n\n  @wip\n  Scenario: not yet\n    Given a step\n",
        encoding="utf-8",
    )
    (tmp_path / "test_draft.py").write_text(
        "from pytest_bdd import given, scenarios\n\nscenarios('features/draft.feature')\n\n\n"
        "@given('a step')\ndef a_step():\n    pass\n",
        encoding="utf-8",
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    wip: work in progress\naddopts = -p harness.selection -p no:cacheprovider\n",
        encoding="utf-8",
    )

    by_default = collected("test_draft.py", cwd=tmp_path)
    named = collected("test_draft.py", "-m", "wip", cwd=tmp_path)

    assert [n.split("::")[1] for n in by_default] == ["test_done"]
    assert [n.split("::")[1] for n in named] == ["test_not_yet"]


def test_run_help_lists_the_selection_options_with_examples():
    command = [sys.executable, "-c", "from harness.cli import main; main()", "run", "--help"]
    answer = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)

    assert answer.returncode == 0
    for text in ("--shard K/N", "--target URL", "-m EXPR", "-k EXPR", "PATH", "examples:", "harness run -m smoke"):
        assert text in answer.stdout, text
