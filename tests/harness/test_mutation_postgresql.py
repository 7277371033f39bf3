"""Survivors of mutmut's SQLite run checked again on PostgreSQL: which tests, which verdicts, and a real run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from harness.mutation_postgresql import (
    PostgresqlRecheck,
    Verdict,
    apply_kills,
    current_kills,
    first_failure,
    load_verdicts,
    postgresql_tests_for,
    postgresql_twins,
    save_verdicts,
)
from harness.mutation_report import Mutant


def test_only_database_parametrized_tests_have_a_postgresql_twin():
    assert postgresql_twins(
        [
            "tests/app/test_a.py::test_x[sqlite]",
            "steps/test_p.py::test_y[sqlite-a signature 10 minutes old-stale_signature]",
            "tests/app/test_a.py::test_sqlite_pragmas",  # no database parameter
            "tests/app/test_a.py::test_z[sqlite_file]",  # a parameter that only starts like one
            "tests/app/test_a.py::test_x[sqlite]",
        ]
    ) == [
        "steps/test_p.py::test_y[postgresql-a signature 10 minutes old-stale_signature]",
        "tests/app/test_a.py::test_x[postgresql]",
    ]


def test_a_survivor_runs_the_postgresql_only_tests_of_its_files_then_its_twins_quickest_first():
    covering = [
        "tests/app/test_a.py::test_x[sqlite]",
        "tests/app/test_a.py::test_slow[sqlite]",
        "tests/app/test_a.py::test_quick[sqlite]",
        "steps/test_j.py::test_journey[sqlite-desktop]",
    ]
    postgresql_only = {"tests/app/test_a.py::test_lock[postgresql]", "tests/app/test_b.py::test_other[postgresql]"}
    collected = {
        "tests/app/test_a.py::test_x[postgresql]",
        "tests/app/test_a.py::test_slow[postgresql]",
        "tests/app/test_a.py::test_quick[postgresql]",
        "tests/app/test_a.py::test_lock[postgresql]",
    }
    durations = {"tests/app/test_a.py::test_x[sqlite]": 2.0, "tests/app/test_a.py::test_slow[sqlite]": 50.0}
    assert postgresql_tests_for(covering, postgresql_only, collected, durations, budget=30) == [
        "tests/app/test_a.py::test_lock[postgresql]",
        "tests/app/test_a.py::test_quick[postgresql]",  # no recorded time: counted as 1 s
        "tests/app/test_a.py::test_x[postgresql]",
        # test_slow is past the half minute; the journey has no PostgreSQL run (not collected)
    ]
    assert postgresql_tests_for(covering, postgresql_only, collected, durations, budget=1000)[-1] == (
        "tests/app/test_a.py::test_slow[postgresql]"
    )
    assert postgresql_tests_for([], postgresql_only, collected) == [  # reached by no test on SQLite
        "tests/app/test_a.py::test_lock[postgresql]",
        "tests/app/test_b.py::test_other[postgresql]",
    ]


def test_a_kill_counts_until_its_function_changes_and_only_for_survivors(tmp_path):
    verdicts = {
        "app.m.x_f__mutmut_1": Verdict("tests/t.py::test_f[postgresql]", "h1"),
        "app.m.x_g__mutmut_2": Verdict("timeout", "old"),
    }
    save_verdicts(tmp_path, verdicts)
    assert load_verdicts(tmp_path) == verdicts
    kills = current_kills(load_verdicts(tmp_path), {"app.m.x_f": "h1", "app.m.x_g": "new"})
    assert kills == {"app.m.x_f__mutmut_1": "tests/t.py::test_f[postgresql]"}  # g changed since its kill
    mutants = [
        Mutant("app.m.x_f__mutmut_1", "app/m.py", "survived"),
        Mutant("app.m.x_g__mutmut_2", "app/m.py", "survived"),
        Mutant("app.m.x_f__mutmut_3", "app/m.py", "not checked"),
    ]
    assert [m.status for m in apply_kills(mutants, {**kills, "app.m.x_f__mutmut_3": "t"})] == [
        "killed",
        "survived",
        "not checked",
    ]


def test_the_first_failing_test_is_read_from_pytests_summary_whole():
    output = "x\nFAILED steps/test_p.py::test_y[postgresql-a signature 10 minutes old-bad] - AssertionError: 1\n"
    assert first_failure(output) == "steps/test_p.py::test_y[postgresql-a signature 10 minutes old-bad]"
    assert first_failure("FAILED tests/t.py::test_f[postgresql]\n") == "tests/t.py::test_f[postgresql]"
    assert first_failure("1 passed") is None


def _mutants_dir(tmp_path: Path) -> Path:
    """A tiny mutants/ folder: one function, two mutants, and tests whose id carries the database they ran on."""
    mutants = tmp_path / "mutants"
    (mutants / "tests").mkdir(parents=True)
    (mutants / "tests" / "test_lock.py").write_text(
        textwrap.dedent(
            """
            import os

            import pytest

            DATABASE = os.environ.get("HARNESS_DATABASES", "sqlite")


            @pytest.mark.parametrize("db_backend", [DATABASE])
            def test_fee(db_backend):
                pass


            @pytest.mark.parametrize("db_backend", [DATABASE])
            @pytest.mark.postgresql_only
            def test_lock(db_backend):
                # stands for a test only PostgreSQL can run: it fails on f's mutant 1 and on g's (only it reaches g)
                assert os.environ.get("MUTANT_UNDER_TEST") not in ("app.m.x_f__mutmut_1", "app.m.x_g__mutmut_1")
            """
        ),
        "utf-8",
    )
    (mutants / "tests" / "test_needs_a_folder_not_copied.py").write_text("import bench_not_copied\n", "utf-8")
    stats = {
        "tests_by_mangled_function_name": {"app.m.x_f": ["tests/test_lock.py::test_fee[sqlite]"]},
        "function_hashes": {"app.m.x_f": "h1", "app.m.x_g": "h2"},
    }
    (mutants / "mutmut-stats.json").write_text(json.dumps(stats), "utf-8")
    return mutants


def test_a_survivor_a_postgresql_test_fails_on_is_killed_and_the_kill_is_kept(tmp_path):
    mutants = _mutants_dir(tmp_path)
    survivors = [
        Mutant("app.m.x_f__mutmut_1", "app/m.py", "survived"),
        Mutant("app.m.x_f__mutmut_2", "app/m.py", "survived"),
        Mutant("app.m.x_g__mutmut_1", "app/m.py", "no tests"),  # no test reached g on SQLite
    ]

    kills = PostgresqlRecheck(mutants).run(survivors)

    lock = "tests/test_lock.py::test_lock[postgresql]"
    assert kills == {"app.m.x_f__mutmut_1": lock, "app.m.x_g__mutmut_1": lock}
    assert load_verdicts(mutants) == {
        "app.m.x_f__mutmut_1": Verdict(lock, "h1"),
        "app.m.x_g__mutmut_1": Verdict(lock, "h2"),
    }
