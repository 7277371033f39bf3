"""``harness``: the project's two jobs, the tools around them, and a manual playground.

harness run    the Gherkin features against the embedded default (SQLite, simulators and app in-process),
               then a per-feature summary and where the reports are; takes a selection (harness run --help)
harness test   ruff, mypy and import-linter first (seconds), then the whole suite (features, unit/property
               tests, contracts, browser journeys) on SQLite and PostgreSQL, with the same summary;
               takes the same selection
harness steps  every step sentence with its file:line and what it does (--grep TEXT)
harness check  binds every feature line to a step without running anything; non-zero on an unbound line
harness merge-reports
               one report and one verdict from the reports of several --shard runs
harness serve  the app and the simulators on fixed local ports, seeded, until Ctrl-C
harness can-i-deploy
               the deploy gate: are the committed pacts verified? (python -m contracts.can_i_deploy)
harness fidelity
               the simulators against the providers' published descriptions; writes docs/fidelity.md
harness mutation
               mutation testing of the app (mutmut): the score per package and every surviving mutant
               (--paths, --changed-since REF, --budget MINUTES, --workers N; docs/mutation.md)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from harness import selection
from harness.bytecode import keep_bytecode
from harness.report import feature_results, feature_table, junit_totals
from harness.shards import Shard
from harness.static_checks import run_static_checks

ROOT = Path(__file__).resolve().parent.parent
REPORTS = Path(os.environ.get("HARNESS_REPORTS") or ROOT / "reports")  # git-ignored

RUN_EPILOG = """\
selection (anything else is passed to pytest as it is):
  PATH                   a feature file or folder (features/payments, features/payments/recovery.feature,
                         features/payments/recovery.feature:41 for the scenario at that line), a test module
                         or folder (steps/test_payments.py, tests/app) or a pytest node id
  -m EXPR                tags: -m smoke, -m "paid and not browser", -m wip (@wip is left out unless named)
  -k EXPR                scenario or test names: -k refund, -k "declined and not 3-D"
  -n N                   pytest-xdist workers (default: one per core for a whole run, one process for a selection)
  -x, --lf, -v, --tb=long, -p randomly ...
                         any other pytest option

deployed target: --target URL --simulators URL --target-env FILE runs the features against an app started on its
own, one scenario at a time, each on names of its own (builders, e-mail addresses); a scenario a shared deployment
cannot run (a fault on a whole simulator, the app's configuration, the shared clock) is skipped with the reason.

reports (under reports/, printed at the end): JUnit XML, cucumber JSON, a self-contained HTML report;
a failing scenario carries its evidence (failing step, expected vs actual, the simulators' journal,
the last HTTP exchanges, the app's log; a browser step's trace, screenshot and video under reports/evidence/).

examples:
  harness run features/payments
  harness run -m smoke
  harness run features/calendly -k reschedule -x
  harness run --shard 1/4
  harness run --target http://127.0.0.1:8000 --simulators http://127.0.0.1:8025 --target-env app.env
"""


def _parallel(chosen: selection.Selection) -> list[str]:
    """pytest-xdist options for a whole run: one worker per core (``HARNESS_WORKERS`` overrides).

    A run that picks a few tests stays in one process, where starting workers would cost more
    than it saves; ``-n`` on the command line always wins.
    """
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in chosen.options):
        return []
    workers = os.environ.get("HARNESS_WORKERS", "auto" if not chosen.narrows else "0")
    if workers == "0":
        return ["-n", "0"]
    # the units go out longest first, as the workers sorted them (harness.scheduling), not by test count
    return ["-n", workers, "--dist", "loadgroup", "--no-loadscope-reorder"]


def _report_paths(stem: str, shard: Shard | None) -> dict[str, Path]:
    names = {
        "JUnit XML": REPORTS / f"{stem}junit.xml",
        "Cucumber JSON": REPORTS / f"{stem}cucumber.json",
        "HTML report": REPORTS / f"{stem}report.html",
    }
    return {label: shard.name(path) if shard else path for label, path in names.items()}


def _pytest(
    default_paths: list[str], args: argparse.Namespace, extra: list[str], env: dict[str, str], reports: dict[str, Path]
) -> int:
    """pytest on the selection (or ``default_paths``), writing ``reports``; what the user typed decides the rest."""
    REPORTS.mkdir(exist_ok=True)
    for stale in reports.values():
        stale.unlink(missing_ok=True)
    chosen = selection.split(extra)
    shard = Shard.parse(args.shard) if args.shard else None
    command = [
        sys.executable,
        "-m",
        "pytest",
        # a deployed target's scenarios share its simulators' clock and "next event" plans: one at a time
        *(["-n", "0"] if args.target else _parallel(chosen)),
        *chosen.pytest_args(default_paths),
        *(shard.pytest_args() if shard else []),
        f"--junitxml={reports['JUnit XML']}",
        f"--cucumberjson={reports['Cucumber JSON']}",
        f"--html={reports['HTML report']}",
        "--self-contained-html",
        "-o",
        "junit_family=xunit2",
        "-r",
        "fEs",
        # a failure opens on the step's own lines, not pytest-bdd's fixture machinery (--tb=long for all)
        *([] if any(a.startswith("--tb") for a in chosen.options) else ["--tb=short"]),
    ]
    if args.target:
        from harness.remote import target_environment

        env = {**env, **target_environment(args)}
    return subprocess.call(command, cwd=ROOT, env={**os.environ, **env})


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _summarise(title: str, code: int, reports: dict[str, Path]) -> int:
    print()
    print(f"== {title}: per-feature summary ==")
    print(feature_table(feature_results(reports["Cucumber JSON"])))
    print()
    print("Reports:")
    for label, path in reports.items():
        print(f"  {label.ljust(14)} {_shown(path)}")
    totals = junit_totals(reports["JUnit XML"])
    if code not in (0, 1) and not totals:
        print(f"pytest stopped with exit code {code} before running tests")
        return code
    print(f"{title}: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return code


def run_features(args: argparse.Namespace, extra: list[str]) -> int:
    reports = _report_paths("features-", Shard.parse(args.shard) if args.shard else None)
    code = _pytest(["steps"], args, extra, {"HARNESS_DATABASES": "sqlite"}, reports)
    return _summarise("harness", code, reports)


def run_tests(args: argparse.Namespace, extra: list[str]) -> int:
    if code := run_static_checks():
        return code
    reports = _report_paths("", Shard.parse(args.shard) if args.shard else None)
    code = _pytest([], args, extra, {}, reports)
    return _summarise("tests", code, reports)


def merge(folder: Path) -> int:
    from harness.shards import merge_reports

    code = 2
    for stem in ("features-", ""):
        if not list(folder.glob(f"{stem}junit.shard-*.xml")):
            continue
        merged = merge_reports(folder, stem=f"{stem}junit", cucumber_stem=f"{stem}cucumber")
        print(f"== {'features' if stem else 'tests'}: shards {merged.shards_found} of {merged.shards_expected} ==")
        print(feature_table(feature_results(merged.cucumber)))
        for label, path in (("JUnit XML", merged.junit), ("Cucumber JSON", merged.cucumber), ("HTML", merged.html)):
            print(f"  {label.ljust(14)} {path}")
        if merged.missing:
            print(f"missing shard(s): {merged.missing}: their jobs did not report")
        t = merged.totals
        print(f"merged: {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped")
        code = merged.verdict if code == 2 else max(code, merged.verdict)
    if code == 2:
        print(f"no shard reports (*.shard-K-of-N.xml) in {folder}")
    return code


def print_config(args: argparse.Namespace) -> int:
    """The exact environment for ``booking-app serve`` against running simulators (provisions them too)."""
    missing = [name for name in ("simulators", "database_url", "app_url") if not getattr(args, name)]
    if missing:
        print("harness serve --print-config needs " + ", ".join(f"--{m.replace('_', '-')}" for m in missing))
        return 2
    from harness.app_process import wired_environment
    from harness.remote import format_env

    print(format_env(wired_environment(args.database_url, args.simulators, args.app_url)))
    return 0


def _selection_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--shard", metavar="K/N", help="run the K-th of N time-balanced parts (pytest-split)")
    parser.add_argument("--target", metavar="URL", help="run the features against a separately started app")
    parser.add_argument("--simulators", metavar="URL", help="with --target: the simulators that app is wired to")
    parser.add_argument(
        "--target-env",
        metavar="FILE",
        help="with --target: the KEY=value file that app was started with (harness serve --print-config)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="harness", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _selection_parser(sub, "run", "run the Gherkin features on the embedded default")
    _selection_parser(sub, "test", "run the whole suite on SQLite and PostgreSQL")
    steps = sub.add_parser("steps", help="list every step sentence with its file:line")
    steps.add_argument("--grep", metavar="TEXT", help="only sentences (or docstrings) containing TEXT")
    check = sub.add_parser("check", help="bind every feature line to a step without running anything")
    check.add_argument("paths", nargs="*", default=["features"], help="feature files or folders (default: features)")
    merge_parser = sub.add_parser("merge-reports", help="merge the reports of --shard runs into one verdict")
    merge_parser.add_argument("folder", nargs="?", type=Path, default=REPORTS)
    serve = sub.add_parser("serve", help="start app + simulators for manual exploration")
    serve.add_argument("--app-port", type=int, default=5000)
    serve.add_argument("--simulator-port", type=int, default=8025)
    serve.add_argument("--instance", type=Path, help="folder of the kept database and seeds (default: instance/)")
    serve.add_argument(
        "--print-config",
        action="store_true",
        help="print the variables a separately started app needs (booking-app serve) to use the simulators at "
        "--simulators, then exit",
    )
    serve.add_argument("--simulators", metavar="URL", help="with --print-config: the running simulators")
    serve.add_argument("--database-url", help="with --print-config: the app's database")
    serve.add_argument("--app-url", help="with --print-config: where the app will answer (its public base URL)")
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
    mutation = sub.add_parser("mutation", help="mutation testing of the app: score per package, survivors")
    from harness.mutation import add_arguments as add_mutation_arguments

    add_mutation_arguments(mutation)
    args, extra = parser.parse_known_args(argv)
    keep_bytecode(os.environ)  # for every Python process started from here: pytest, its workers, the app
    if args.command == "run":
        sys.exit(run_features(args, extra))
    if args.command == "test":
        sys.exit(run_tests(args, extra))
    if args.command == "steps":
        from harness.step_catalogue import print_catalogue

        sys.exit(print_catalogue(args.grep))
    if args.command == "check":
        from harness.step_catalogue import check_features

        sys.exit(check_features([Path(p) for p in args.paths]))
    if args.command == "mutation":
        from harness.mutation import main as mutation_main

        if extra:
            parser.error(f"harness mutation: unknown arguments {extra}")
        sys.exit(mutation_main(args))
    if args.command == "merge-reports":
        sys.exit(merge(args.folder))
    if args.command in ("can-i-deploy", "fidelity"):
        # contracts/ is not an installed package: run it from the project root, as make does
        module = {"can-i-deploy": "contracts.can_i_deploy", "fidelity": "contracts.fidelity"}[args.command]
        sys.exit(subprocess.call([sys.executable, "-m", module, *extra], cwd=ROOT))
    if args.print_config:
        sys.exit(print_config(args))
    from harness.playground import serve_forever

    serve_forever(app_port=args.app_port, simulator_port=args.simulator_port, instance=args.instance)


if __name__ == "__main__":
    main()
