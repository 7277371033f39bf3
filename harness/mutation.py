"""``harness mutation``: how many planted defects the suite catches, per package, within a time budget.

mutmut (configured in pyproject.toml, ``[tool.mutmut]``) copies the tree into ``mutants/``, runs the
suite once to learn which tests cover which function, then runs only those tests against each
mutant. Everything it learns stays in ``mutants/`` (git-ignored), so a second run re-checks only
mutants of functions that changed, mutants whose covering tests changed, and ones a budget left
unchecked. The scope is a few packages (``--paths``), or the app modules a branch touched
(``--changed-since``), because the whole app is thousands of mutants and hours on two cores; or a
seeded random sample of each package (``--sample N``), which estimates every package's score, with a
95% interval, in a fraction of the time. The score and the survivors come from ``harness.mutation_report``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.mutation_postgresql import PostgresqlRecheck, apply_kills, current_kills, load_verdicts
from harness.mutation_report import (
    Mutant,
    build_report,
    format_sample_table,
    format_survivors,
    format_table,
    load_equivalents,
    load_mutants,
    sample,
)

ROOT = Path(__file__).resolve().parent.parent
APP = "app_under_test"
EQUIVALENTS = ROOT / "mutation" / "equivalent.toml"
MUTANTS = ROOT / "mutants"
SKIPPED_FOLDERS = ("app_under_test/migrations/",)  # do_not_mutate in pyproject.toml
DEFAULT_SEED = 16  # the number: any fixed seed gives the same sample on every machine
# mutmut run on a pattern no mutant matches: it generates every mutant and measures which tests cover which
# function (kept in mutants/), then stops at its "nothing matches" assertion without running a mutant.
GENERATE_ONLY = "harness.generate.only.x*"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--paths",
        "--package",
        nargs="+",
        default=[APP],
        metavar="PATH",
        help="app modules or folders to mutate (default: all of app_under_test)",
    )
    parser.add_argument(
        "--changed-since", metavar="REF", help="only the app modules changed since this git ref (a pull request's base)"
    )
    parser.add_argument(
        "--budget", type=float, metavar="MINUTES", help="stop checking after this long; the report covers what ran"
    )
    parser.add_argument("--workers", type=int, default=2, help="mutants checked at once (default 2)")
    parser.add_argument(
        "--fresh", action="store_true", help="re-check every mutant in scope (default: only survivors and unchecked)"
    )
    parser.add_argument(
        "--survivors", action="store_true", help="re-check only the surviving mutants (after adding tests for them)"
    )
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="check only N mutants of each package, picked at random with --seed; the score is an estimate",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the sample's seed (default {DEFAULT_SEED})")
    parser.add_argument("--report-only", action="store_true", help="print the report of the last runs, run nothing")
    parser.add_argument(
        "--no-postgresql",
        action="store_true",
        help="do not check survivors again on PostgreSQL (default: checked when PostgreSQL answers)",
    )
    parser.add_argument("--all", action="store_true", help="list every survivor (default: the first 50)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 when the score is below this")


def source_files(paths: list[str]) -> list[str]:
    """The mutable Python files under these paths, relative to the project root."""
    found: set[str] = set()
    for raw in paths:
        path = (ROOT / raw).resolve()
        if not path.is_relative_to(ROOT / APP):
            raise SystemExit(f"harness mutation: {raw} is not inside {APP}/")
        candidates = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for candidate in candidates:
            relative = candidate.relative_to(ROOT).as_posix()
            if candidate.suffix == ".py" and not relative.startswith(SKIPPED_FOLDERS):
                found.add(relative)
    return sorted(found)


def changed_files(ref: str) -> list[str]:
    """App modules that differ from ``ref`` (committed or not) plus new untracked ones."""

    def git(*args: str) -> list[str]:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return [line for line in result.stdout.splitlines() if line]

    names = set(git("diff", "--name-only", ref, "--", APP)) | set(
        git("ls-files", "--others", "--exclude-standard", APP)
    )
    return sorted(n for n in names if n.endswith(".py") and not n.startswith(SKIPPED_FOLDERS) and (ROOT / n).exists())


def module_pattern(path: str) -> str:
    """mutmut's name pattern for a file's mutants: app_under_test/views/auth.py -> app_under_test.views.auth.*"""
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return f"{module}.x*"


def pending(files: list[str], *, survivors_only: bool = False) -> list[str]:
    """Mutants worth running again: never checked, or surviving (a test added since may kill them).

    mutmut keeps every verdict; it re-runs a mutant only when its function changed or it is named.
    A killed mutant stays killed, and an equivalent one is not run again."""
    mutants = load_mutants(MUTANTS, files)
    survivors = [m.name for m in build_report(mutants, load_equivalents(EQUIVALENTS), diff_of).survivors]
    return survivors if survivors_only else [m.name for m in mutants if m.status == "not checked"] + survivors


def sample_mutants(mutants: list[Mutant], per_package: int, seed: int) -> list[Mutant]:
    """A seeded sample of ``per_package`` mutants of each package (never a migration)."""
    return sample([m for m in mutants if not m.path.startswith(SKIPPED_FOLDERS)], per_package, seed)


def generated(files: list[str]) -> bool:
    """Whether mutants/ holds the current mutants of every file: a result file newer than its source."""
    for file in files:
        meta = MUTANTS / f"{file}.meta"
        if not meta.exists() or meta.stat().st_mtime < (ROOT / file).stat().st_mtime:
            return False
    return True


def generate(workers: int) -> int:
    """Have mutmut generate the mutants (and, the first time, the coverage map) without checking any.

    mutmut ends that run with an AssertionError ("nothing matches"): expected, so its traceback is shown only
    when mutmut stopped for another reason."""
    print("harness mutation: generating the mutants (and the first time, which tests cover which function)")
    command = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(workers), GENERATE_ONLY]
    env = {**os.environ, "HARNESS_DATABASES": "sqlite", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode == 0 or "nothing matches" in result.stderr:
        return 0
    print(result.stderr, file=sys.stderr)
    print(f"harness mutation: mutmut stopped with exit code {result.returncode} while generating the mutants")
    return result.returncode


def run_mutmut(selection: list[str], workers: int, deadline: float | None) -> int:
    """mutmut in its own process group; at the deadline it is interrupted (it saves what it checked)."""
    command = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(workers), *selection]
    env = {**os.environ, "HARNESS_DATABASES": "sqlite", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        while True:
            try:
                return process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                if deadline is not None and time.monotonic() > deadline:
                    print("\nharness mutation: budget spent; stopping mutmut (its results so far are kept)")
                    os.killpg(process.pid, signal.SIGINT)
                    try:
                        process.wait(timeout=120)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
                    return 0
    except KeyboardInterrupt:  # Ctrl-C: mutmut stops too and keeps what it checked; the report follows
        os.killpg(process.pid, signal.SIGINT)
        process.wait()
        print("\nharness mutation: interrupted; the report covers what was checked")
        return 0


def recheck_on_postgresql(files: list[str], args: argparse.Namespace, names: set[str] | None = None) -> None:
    """mutmut ran the suite on SQLite: run each survivor (of ``names``, when given) again on PostgreSQL."""
    if args.no_postgresql or not (MUTANTS / "mutmut-stats.json").exists():
        return
    from harness.databases import postgres_unreachable_reason

    reason = postgres_unreachable_reason()
    if reason:
        print(f"harness mutation: survivors not checked on PostgreSQL ({reason})")
        return
    mutants = [m for m in load_mutants(MUTANTS, files) if names is None or m.name in names]
    survivors = build_report(mutants, load_equivalents(EQUIVALENTS), diff_of).survivors
    if survivors:
        PostgresqlRecheck(MUTANTS).run(survivors)


def postgresql_kills() -> dict[str, str]:
    """Survivors of mutmut's SQLite run that a PostgreSQL test killed (and whose function has not changed since)."""
    stats = MUTANTS / "mutmut-stats.json"
    if not stats.exists():
        return {}
    hashes = json.loads(stats.read_text("utf-8")).get("function_hashes", {})
    return current_kills(load_verdicts(MUTANTS), hashes)


def diff_of(mutant: Mutant) -> str:
    """mutmut's own diff of a mutant (what ``mutmut show`` prints), read from mutants/."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = Path.cwd()
    os.chdir(ROOT)  # mutmut reads mutants/ relative to the working directory
    try:
        return get_diff_for_mutant(mutant.name, path=mutant.path)
    finally:
        os.chdir(cwd)


def report(files: list[str], *, show_all: bool, fail_under: float | None, sampled: set[str] | None = None) -> int:
    kills = postgresql_kills()
    everything = apply_kills(load_mutants(MUTANTS, files), kills)
    mutants = everything if sampled is None else [m for m in everything if m.name in sampled]
    if not mutants:
        print("harness mutation: no results yet for these modules (run without --report-only first)")
        return 2
    cache: dict[str, str] = {}

    def cached_diff(mutant: Mutant) -> str:
        if mutant.name not in cache:
            cache[mutant.name] = diff_of(mutant)
        return cache[mutant.name]

    result = build_report(mutants, load_equivalents(EQUIVALENTS), cached_diff)
    prefixes = [module_pattern(f).removesuffix("x*") for f in files]
    print()
    if sampled is None:
        print("== mutation: score per package (killed / (killed + survived); equivalent ones left out) ==")
        print(format_table(result))
    else:
        print("== mutation: a sample of each package; score = killed / (killed + survived) over the sample ==")
        counts: dict[str, int] = {}
        for mutant in everything:
            counts[mutant.package] = counts.get(mutant.package, 0) + 1
        print(format_sample_table(result, counts))
    if result.survivors:
        print()
        print(f"== {len(result.survivors)} surviving mutants (a test should fail on each) ==")
        print(format_survivors(result, ROOT, cached_diff, limit=None if show_all else 50))
    stale = [e for e in result.unused_equivalents if e.file in files or (e.name or "").startswith(tuple(prefixes))]
    if stale and sampled is None and not any(m.status == "not checked" for m in mutants):
        print()
        print(f"== {len(stale)} entries of {EQUIVALENTS.relative_to(ROOT)} match no mutant (remove or update them) ==")
        for entry in stale:
            print(f"  {entry.name or f'{entry.file} {entry.function}'}: {entry.reason}")
    total = result.total
    listed = len(load_equivalents(EQUIVALENTS))
    print()
    if sampled is not None:
        print(
            f"mutation: a sample of {total.generated} of {len(everything)} mutants; the 95% interval is where each"
            " package's score over all its mutants lies, 19 times in 20 (docs/mutation.md)"
        )
    print(
        f"mutation: {total.generated} mutants, {total.killed} killed, {total.survived} survived, "
        f"{total.equivalent} equivalent ({listed} listed in {EQUIVALENTS.relative_to(ROOT)}), "
        f"{total.not_checked} not checked; score {total.score or 0:.1f}%"
    )
    on_postgresql = sum(1 for m in mutants if m.name in kills)
    if on_postgresql:
        print(
            f"mutation: {on_postgresql} of the killed survived mutmut's run on SQLite and were killed by a test on"
            f" PostgreSQL (mutants/postgresql-verdicts.json)"
        )
    if total.not_checked:
        print("mutation: run the same command again to check the rest (results are kept in mutants/)")
    if fail_under is not None and sampled is not None:
        low = [r.package for r in result.packages.values() if r.score is not None and r.score < fail_under]
        if low:
            print(f"mutation: score below {fail_under}% over the sample of {', '.join(sorted(low))}")
            return 1
    elif fail_under is not None and (total.score or 0) < fail_under:
        print(f"mutation: score below {fail_under}%")
        return 1
    return 0


def main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    files = changed_files(args.changed_since) if args.changed_since else source_files(args.paths)
    if not files:
        print(f"harness mutation: no app modules changed since {args.changed_since}; nothing to mutate")
        return 0
    if args.sample is not None:
        return run_sample(files, args, started)
    if not args.report_only:
        deadline = started + args.budget * 60 if args.budget else None
        patterns = [module_pattern(f) for f in files]
        # mutmut re-checks every mutant it is given by name; without --fresh only the pending ones are named
        # (new mutants, mutants of changed functions, survivors, and what a budget left unchecked)
        if args.fresh or not all((MUTANTS / f"{f}.meta").exists() for f in files):
            todo = patterns
        else:
            todo = pending(files, survivors_only=args.survivors)
        if todo:
            code = run_mutmut(todo, args.workers, deadline)
            if code != 0:
                print(f"harness mutation: mutmut stopped with exit code {code}")
                return code
        else:
            print("harness mutation: every mutant in scope has a result; --fresh checks them again")
        recheck_on_postgresql(files, args)
    code = report(files, show_all=args.all, fail_under=args.fail_under)
    print(f"mutation: {len(files)} modules in scope, wall time {time.monotonic() - started:.0f} s")
    return code


def run_sample(files: list[str], args: argparse.Namespace, started: float) -> int:
    """``--sample N``: generate the mutants if needed, pick N per package with the seed, check the pending ones."""
    if args.sample < 1:
        raise SystemExit("harness mutation: --sample takes at least 1 mutant per package")
    if not args.report_only and not generated(files):
        code = generate(args.workers)
        if code != 0:
            return code
    chosen = sample_mutants(load_mutants(MUTANTS, files), args.sample, args.seed)
    if not args.report_only:
        deadline = started + args.budget * 60 if args.budget else None
        names = {m.name for m in chosen}
        todo = sorted(names) if args.fresh else [n for n in pending(files, survivors_only=args.survivors) if n in names]
        print(f"harness mutation: a sample of {len(chosen)} mutants (seed {args.seed}), {len(todo)} to check")
        if todo:
            code = run_mutmut(todo, args.workers, deadline)
            if code != 0:
                print(f"harness mutation: mutmut stopped with exit code {code}")
                return code
        recheck_on_postgresql(files, args, names)
    code = report(files, show_all=args.all, fail_under=args.fail_under, sampled={m.name for m in chosen})
    print(f"mutation: {len(files)} modules in scope, seed {args.seed}, wall time {time.monotonic() - started:.0f} s")
    return code
