"""Survivors checked again on PostgreSQL, the production database, after mutmut's run on SQLite.

mutmut measures which tests cover which function, and checks each mutant, with the suite on SQLite
alone (``HARNESS_DATABASES=sqlite``: half the test time). A defect that only PostgreSQL shows (an
advisory lock, a read-only snapshot, a row lock two transactions wait on) then survives there though
a test on PostgreSQL fails on it. So each survivor is run again, mutated, against

- the PostgreSQL twins of the tests mutmut found covering its function (``test_x[sqlite-...]`` ->
  ``test_x[postgresql-...]``), and
- the tests marked ``postgresql_only`` in the same test files (their SQLite run is a skip, so mutmut's
  coverage map never links them to anything), or every such test for a survivor no test reached on
  SQLite (a function only PostgreSQL runs),

quickest first, up to half a minute of test time per survivor (a function every scenario reaches has
hundreds of covering tests).

The mutant is switched on the way mutmut does it (``MUTANT_UNDER_TEST`` in ``mutants/``). A failing
test kills it. A kill is kept in ``mutants/postgresql-verdicts.json`` with the hash of the mutated
function and re-used until that function changes; a survivor is checked again on every run, since a
test added since may kill it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from harness.mutation_report import Mutant

VERDICTS = "postgresql-verdicts.json"
MARKER = "postgresql_only"
SQLITE_PARAMETER = re.compile(r"\[sqlite(?=[-\]])")
FAILED_LINE = re.compile(r"^FAILED (.+?)(?: - .*)?$", re.MULTILINE)
TEST_ROOTS = ("tests", "steps")  # where postgresql_only tests are looked for
TEST_SECONDS_PER_SURVIVOR = 30.0  # recorded test time run per survivor, quickest tests first
PER_MUTANT_TIMEOUT = 600  # seconds: a mutant that loops is killed (as mutmut counts a timeout)


@dataclass(frozen=True)
class Verdict:
    killed_by: str  # the test id that failed on the mutant, or "timeout"
    function_hash: str


def mangled_function(mutant_name: str) -> str:
    """mutmut's key for a mutant's function: ``a.b.x_f__mutmut_3`` -> ``a.b.x_f``."""
    return mutant_name.rsplit("__mutmut_", 1)[0]


def postgresql_twins(test_ids: Iterable[str]) -> list[str]:
    """The PostgreSQL run of each database-parametrized test (others ran on PostgreSQL or on no database)."""
    twins = {SQLITE_PARAMETER.sub("[postgresql", test, count=1) for test in test_ids if SQLITE_PARAMETER.search(test)}
    return sorted(twins)


def postgresql_tests_for(
    covering: Iterable[str],
    postgresql_only: Iterable[str],
    collected: set[str] | None = None,
    durations: dict[str, float] | None = None,
    budget: float = TEST_SECONDS_PER_SURVIVOR,
) -> list[str]:
    """What to run for one survivor: the PostgreSQL-only tests of its covering tests' files, then the twins of
    its covering tests, quickest first, up to ``budget`` seconds of their recorded time on SQLite.

    ``collected`` (the ids pytest collects on PostgreSQL) drops twins that do not exist, such as a browser
    journey, which runs on one database only. The budget bounds what a survivor of a function every scenario
    reaches costs (hundreds of covering tests); a kill left beyond it keeps the mutant a survivor, never the
    other way round."""
    covering = list(covering)
    durations = durations or {}
    files = {test.split("::", 1)[0] for test in covering}
    # no covering test at all (a function only PostgreSQL reaches, "no tests" on SQLite): every such test
    first = sorted(t for t in postgresql_only if not files or t.split("::", 1)[0] in files)
    twins = {
        SQLITE_PARAMETER.sub("[postgresql", test, count=1): durations.get(test, 1.0)
        for test in covering
        if SQLITE_PARAMETER.search(test)
    }
    if collected is not None:
        twins = {t: d for t, d in twins.items() if t in collected}
    chosen, spent = list(first), 0.0
    for test, seconds in sorted(twins.items(), key=lambda item: (item[1], item[0])):
        if test in chosen:
            continue
        if spent + seconds > budget and len(chosen) > len(first):
            break
        chosen.append(test)
        spent += seconds
    return chosen


def load_verdicts(mutants_dir: Path) -> dict[str, Verdict]:
    path = mutants_dir / VERDICTS
    if not path.exists():
        return {}
    return {name: Verdict(**fields) for name, fields in json.loads(path.read_text("utf-8")).items()}


def save_verdicts(mutants_dir: Path, verdicts: dict[str, Verdict]) -> None:
    data = {name: {"killed_by": v.killed_by, "function_hash": v.function_hash} for name, v in sorted(verdicts.items())}
    (mutants_dir / VERDICTS).write_text(json.dumps(data, indent=1) + "\n", "utf-8")


def current_kills(verdicts: dict[str, Verdict], function_hashes: dict[str, str]) -> dict[str, str]:
    """mutant name -> the PostgreSQL test that killed it, for kills whose function has not changed since."""
    return {
        name: verdict.killed_by
        for name, verdict in verdicts.items()
        if function_hashes.get(mangled_function(name)) == verdict.function_hash
    }


def apply_kills(mutants: list[Mutant], kills: dict[str, str]) -> list[Mutant]:
    """The mutants with every survivor that a PostgreSQL test killed counted as killed."""
    return [replace(m, status="killed") if m.name in kills and m.counts_as_survivor else m for m in mutants]


def first_failure(output: str) -> str | None:
    found = FAILED_LINE.search(output)
    return found.group(1) if found else None


class PostgresqlRecheck:
    """Runs survivors' tests on PostgreSQL with the mutant switched on (in mutants/, as mutmut does)."""

    def __init__(self, mutants_dir: Path) -> None:
        self.mutants_dir = mutants_dir
        stats = json.loads((mutants_dir / "mutmut-stats.json").read_text("utf-8"))
        self.covering: dict[str, list[str]] = stats.get("tests_by_mangled_function_name", {})
        self.function_hashes: dict[str, str] = stats.get("function_hashes", {})
        self.durations: dict[str, float] = stats.get("duration_by_test", {})
        self.verdicts = load_verdicts(mutants_dir)

    def _pytest(self, args: list[str], mutant: str | None = None, timeout: float | None = None) -> tuple[int, str]:
        env = {**os.environ, "HARNESS_DATABASES": "postgresql", "PYTHONUNBUFFERED": "1"}
        env.pop("MUTANT_UNDER_TEST", None)
        if mutant:
            env["MUTANT_UNDER_TEST"] = mutant
        command = [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", *args]
        answer = subprocess.run(
            command, cwd=self.mutants_dir, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        return answer.returncode, answer.stdout + answer.stderr

    def _collect(self, files: list[str], *extra: str) -> set[str]:
        # a module mutants/ cannot import (one needing a folder mutmut does not copy, such as bench/) holds no
        # test the re-check could run; the others are still collected
        code, output = self._pytest(["--collect-only", "-q", "--continue-on-collection-errors", *extra, *files])
        if code not in (0, 1, 5):
            raise RuntimeError(f"collecting {files} on PostgreSQL failed (exit code {code}):\n{output[-2000:]}")
        return {line.strip() for line in output.splitlines() if "::" in line and not line.startswith(" ")}

    def run(self, survivors: list[Mutant]) -> dict[str, str]:
        """Check each survivor on PostgreSQL; returns mutant name -> the test that killed it (kills only)."""
        plans = {m.name: self.covering.get(mangled_function(m.name), []) for m in survivors}
        files = sorted({test.split("::", 1)[0] for tests in plans.values() for test in tests})
        kills = current_kills(self.verdicts, self.function_hashes)
        todo = [m for m in survivors if m.name not in kills]
        if not todo:
            return kills
        collected = self._collect(files) if files else set()
        roots = [root for root in TEST_ROOTS if (self.mutants_dir / root).is_dir()]
        postgresql_only = self._collect(roots, "-m", MARKER) if roots else set()
        print(f"harness mutation: {len(todo)} survivors checked again on PostgreSQL (docs/mutation.md)")
        for mutant in todo:
            tests = postgresql_tests_for(plans[mutant.name], postgresql_only, collected, self.durations)
            if not tests:
                continue
            try:
                code, output = self._pytest(["-x", "-q", *tests], mutant=mutant.name, timeout=PER_MUTANT_TIMEOUT)
            except subprocess.TimeoutExpired:
                code, output = 1, "FAILED timeout"
            if code == 1:
                killer = first_failure(output) or "a PostgreSQL test"
                function_hash = self.function_hashes.get(mangled_function(mutant.name), "")
                self.verdicts[mutant.name] = Verdict(killer, function_hash)
                kills[mutant.name] = killer
                print(f"  killed on PostgreSQL: {mutant.name} by {killer}")
            elif code not in (0, 5):
                print(f"  {mutant.name}: pytest stopped with exit code {code} on PostgreSQL; left as it was")
        save_verdicts(self.mutants_dir, self.verdicts)
        return kills
