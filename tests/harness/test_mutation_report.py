"""The mutation report on a tiny fixture: outcomes, the equivalent list, scores and file:line (no mutmut run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.mutation import module_pattern, source_files
from harness.mutation_report import (
    Mutant,
    build_report,
    format_survivors,
    format_table,
    load_equivalents,
    load_mutants,
)

SOURCE = """\
def fee(amount):
    if amount > 100:
        return amount // 10
    return 0


class Clock:
    def later(self, seconds):
        return seconds + 1
"""

HEADER = "--- a\n+++ b\n@@ -1,4 +1,4 @@\n"
DIFFS = {
    "pkg.money.x_fee__mutmut_1": HEADER + " def fee(amount):\n-    if amount > 100:\n+    if amount >= 100:\n",
    "pkg.money.x_fee__mutmut_2": HEADER + "-        return amount // 10\n+        return amount / 10\n",
    "pkg.money.xǁClockǁlater__mutmut_1": HEADER + "-        return seconds + 1\n+        return seconds - 1\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "money.py").write_text(SOURCE)
    meta = tmp_path / "mutants" / "pkg" / "money.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {
        "pkg.money.x_fee__mutmut_1": 0,  # survived
        "pkg.money.x_fee__mutmut_2": 0,  # survived, listed as equivalent below
        "pkg.money.x_fee__mutmut_3": 1,  # killed
        "pkg.money.x_fee__mutmut_4": 36,  # timed out: killed
        "pkg.money.x_fee__mutmut_5": None,  # not checked yet (a budget ran out)
        "pkg.money.xǁClockǁlater__mutmut_1": 33,  # no test covers it
    }
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return tmp_path


def diff(mutant: Mutant) -> str:
    return DIFFS[mutant.name]


def write_equivalents(project: Path, text: str) -> Path:
    path = project / "equivalent.toml"
    path.write_text(text)
    return path


def test_outcomes_fold_into_killed_survived_and_unchecked(project: Path) -> None:
    mutants = load_mutants(project / "mutants", ["pkg/money.py"])
    report = build_report(mutants, [], diff)
    row = report.packages["pkg/money.py"]
    assert (row.generated, row.killed, row.survived, row.equivalent, row.not_checked) == (6, 2, 3, 0, 1)
    assert row.score == pytest.approx(40.0)
    assert [m.status for m in report.survivors] == ["survived", "survived", "no tests"]


def test_an_equivalent_mutant_leaves_the_score_and_an_unmatched_entry_is_reported(project: Path) -> None:
    equivalents = load_equivalents(
        write_equivalents(
            project,
            '[[equivalent]]\nfile = "pkg/money.py"\nfunction = "fee"\n'
            'diff = """\n-  return amount // 10\n+  return amount / 10\n"""\nreason = "amounts are whole tens"\n'
            '[[equivalent]]\nname = "pkg.money.x_gone__mutmut_9"\nreason = "a mutant of a function since removed"\n',
        )
    )
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), equivalents, diff)
    row = report.packages["pkg/money.py"]
    assert (row.killed, row.survived, row.equivalent) == (2, 2, 1)
    assert row.score == pytest.approx(50.0)
    assert [m.name for m, _ in report.equivalent] == ["pkg.money.x_fee__mutmut_2"]
    assert [e.name for e in report.unused_equivalents] == ["pkg.money.x_gone__mutmut_9"]


def test_the_same_change_in_another_function_is_not_covered_by_an_entry(project: Path) -> None:
    equivalents = load_equivalents(
        write_equivalents(
            project,
            '[[equivalent]]\nfile = "pkg/money.py"\nfunction = "Clock.other"\n'
            'diff = """\n-return seconds + 1\n+return seconds - 1\n"""\nreason = "not this one"\n',
        )
    )
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), equivalents, diff)
    assert "pkg.money.xǁClockǁlater__mutmut_1" in [m.name for m in report.survivors]


def test_an_entry_without_a_reason_is_refused(project: Path) -> None:
    path = write_equivalents(project, '[[equivalent]]\nname = "pkg.money.x_fee__mutmut_2"\n')
    with pytest.raises(ValueError, match="no reason"):
        load_equivalents(path)


def test_survivors_are_listed_with_file_line_and_diff(project: Path) -> None:
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), [], diff)
    text = format_survivors(report, project, diff)
    assert "pkg/money.py:2  survived  pkg.money.x_fee__mutmut_1" in text
    assert "pkg/money.py:3  survived  pkg.money.x_fee__mutmut_2" in text
    assert "pkg/money.py:9  no tests  pkg.money.xǁClockǁlater__mutmut_1" in text
    assert "+    if amount >= 100:" in text
    table = format_table(report)
    assert "pkg/money.py" in table and "40.0%" in table


def test_scope_names_the_modules_mutmut_should_check() -> None:
    files = source_files(["app_under_test/webhooks"])
    assert "app_under_test/webhooks/stripe_ingest.py" in files
    assert all(f.startswith("app_under_test/webhooks/") for f in files)
    assert not [f for f in source_files(["app_under_test"]) if "/migrations/" in f]
    assert module_pattern("app_under_test/views/auth.py") == "app_under_test.views.auth.x*"
    assert module_pattern("app_under_test/mail/__init__.py") == "app_under_test.mail.x*"
    with pytest.raises(SystemExit):
        source_files(["harness"])
