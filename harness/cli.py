"""``harness``: the project's two jobs, plus a manual playground.

harness run    the Gherkin features against the embedded default (SQLite, simulators and app in-process),
               then a per-feature summary and where the reports are
harness test   ruff, mypy and import-linter first (seconds), then the whole suite (features, unit/property
               tests, contracts, browser journeys) on SQLite and
               PostgreSQL, with the same summary
harness serve  the app and the simulators on fixed local ports, seeded, until Ctrl-C
harness can-i-deploy
               the deploy gate: are the committed pacts verified? (python -m contracts.can_i_deploy)
harness fidelity
               the simulators against the providers' published descriptions; writes docs/fidelity.md
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from harness.report import feature_results, feature_table, junit_totals
from harness.static_checks import run_static_checks

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"  # git-ignored


SELECTING_OPTIONS = ("-k", "-m", "--deselect", "--lf", "--last-failed")


def _selects(extra: list[str]) -> bool:
    """Does this command line pick some tests (an option, a node id, a test or feature path)?"""
    for arg in extra:
        if arg in SELECTING_OPTIONS or arg.startswith(("-k=", "-m=", "--deselect=")) or "::" in arg:
            return True
        if not arg.startswith("-") and (ROOT / arg).exists():
            return True
    return False


def _parallel(extra: list[str]) -> list[str]:
    """pytest-xdist options for a whole run: one worker per core (``HARNESS_WORKERS`` overrides).

    A run that picks a few tests stays in one process, where starting workers would cost more
    than it saves; ``-n`` on the command line always wins.
    """
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in extra):
        return []
    workers = os.environ.get("HARNESS_WORKERS", "auto" if not _selects(extra) else "0")
    if workers == "0":
        return ["-n", "0"]
    return ["-n", workers, "--dist", "loadgroup"]


def _pytest(args: list[str], extra: list[str], env_overrides: dict[str, str], junit: Path, cucumber: Path) -> int:
    """pytest on ``args`` plus what the user typed (``extra``), which alone decides one process or many."""
    REPORTS.mkdir(exist_ok=True)
    for stale in (junit, cucumber):
        stale.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *_parallel(extra),
        *args,
        *extra,
        f"--junitxml={junit}",
        f"--cucumberjson={cucumber}",
        "-o",
        "junit_family=xunit2",
        "-q",
        "-r",
        "fEs",
    ]
    env = {**os.environ, **env_overrides}
    return subprocess.call(command, cwd=ROOT, env=env)


def _summarise(title: str, code: int, junit: Path, cucumber: Path) -> int:
    print()
    print(f"== {title}: per-feature summary ==")
    print(feature_table(feature_results(cucumber)))
    print()
    print("Reports:")
    print(f"  JUnit XML      {junit.relative_to(ROOT)}")
    print(f"  Cucumber JSON  {cucumber.relative_to(ROOT)}")
    totals = junit_totals(junit)
    if code not in (0, 1) and not totals:
        print(f"pytest stopped with exit code {code} before running tests")
        return code
    print(f"{title}: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return code


def run_features(extra: list[str]) -> int:
    junit, cucumber = REPORTS / "features-junit.xml", REPORTS / "features-cucumber.json"
    code = _pytest(["steps"], extra, {"HARNESS_DATABASES": "sqlite"}, junit, cucumber)
    return _summarise("harness", code, junit, cucumber)


def run_tests(extra: list[str]) -> int:
    if code := run_static_checks():
        return code
    junit, cucumber = REPORTS / "junit.xml", REPORTS / "cucumber.json"
    code = _pytest([], extra, {}, junit, cucumber)
    return _summarise("tests", code, junit, cucumber)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="harness", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Gherkin features on the embedded default")
    sub.add_parser("test", help="run the whole suite on SQLite and PostgreSQL")
    serve = sub.add_parser("serve", help="start app + simulators for manual exploration")
    serve.add_argument("--app-port", type=int, default=5000)
    serve.add_argument("--simulator-port", type=int, default=8025)
    serve.add_argument("--instance", type=Path, help="folder of the kept database and seeds (default: instance/)")
    sub.add_parser(
        "can-i-deploy",
        add_help=False,
        help="deploy gate over the pact files and verification results (options: --help)",
    )
    sub.add_parser(
        "fidelity",
        add_help=False,
        help="simulators vs the providers' descriptions, writes docs/fidelity.md (options: --help)",
    )
    args, extra = parser.parse_known_args(argv)
    if args.command == "run":
        sys.exit(run_features(extra))
    if args.command == "test":
        sys.exit(run_tests(extra))
    if args.command in ("can-i-deploy", "fidelity"):
        # contracts/ is not an installed package: run it from the project root, as make does
        module = {"can-i-deploy": "contracts.can_i_deploy", "fidelity": "contracts.fidelity"}[args.command]
        sys.exit(subprocess.call([sys.executable, "-m", module, *extra], cwd=ROOT))
    from harness.playground import serve_forever

    serve_forever(app_port=args.app_port, simulator_port=args.simulator_port, instance=args.instance)


if __name__ == "__main__":
    main()
