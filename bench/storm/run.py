"""A webhook storm against the app under gunicorn, then the checker and the figures.

    .venv/bin/python bench/storm/run.py [--events 10000] [--db postgresql] [--processes 2] [--users 16]
                                        [--app-workers 2] [--app-threads 4] [--seed 13] [--target URL]

Starts the app as its own process (``booking-app serve`` through ``harness.app_process``) on a
fresh database, adds the one builder the plan books, then runs Locust headless with ``--processes``
local worker processes sending the plan (``plan.py``, ``locustfile.py``), then the same number of
``GET /healthz`` to the same server (the bare ceiling), then the checker (``checker.py``). Prints
events/s, p50/p95/p99 latency of the webhooks, the bare rate and the ratio, and lost / applied twice
/ bad signatures accepted. Exits 1 when the checker finds anything.

``--target URL`` sends to an app already running elsewhere instead (its operator token and signing
secrets from ``STORM_ADMIN_TOKEN``, ``STORM_CALENDLY_KEY``, ``STORM_STRIPE_SECRET``); the distributed
form is in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.storm.checker import Verdict, check
from bench.storm.plan import EVENT_TYPE_URI, Mix, build_plan
from harness import http_clients
from harness.app_process import AppProcess, start_app_process
from harness.databases import PostgresDatabases, SqliteDatabases
from harness.waiting import wait_until

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
TIME_LIMIT = "20m"  # a bound only: the workers quit when their share is sent


@dataclass
class Figures:
    events: int
    seconds: float
    events_per_second: float
    p50: float
    p95: float
    p99: float
    bare_per_second: float | None  # None when the bare baseline was not measured (the gate's storm)
    verdict: Verdict

    @property
    def ratio(self) -> float:
        return self.events_per_second / self.bare_per_second if self.bare_per_second else 0.0

    def lines(self) -> list[str]:
        bare = (
            f"bare /healthz on the same server: {self.bare_per_second:.0f} req/s; ratio {self.ratio:.2f}"
            if self.bare_per_second
            else "bare /healthz baseline: not measured in this run (bench/storm/run.py measures it)"
        )
        return [
            f"storm: {self.events} requests in {self.seconds:.1f} s: {self.events_per_second:.0f} events/s, "
            f"p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, p99 {self.p99:.0f} ms",
            bare,
            f"checker: {self.verdict.summary()}",
        ]


def add_storm_builder(app: AppProcess) -> None:
    with app.admin() as admin:
        answer = admin.post(
            "/admin/api/builders",
            json={
                "name": "Storm Builder",
                "timezone": "UTC",
                "email": "storm-builder@example.com",
                "session_types": [
                    {
                        "name": "Storm call",
                        "kind": "free",
                        "duration_minutes": 30,
                        "calendly_event_type_uri": EVENT_TYPE_URI,
                    }
                ],
            },
        )
        answer.raise_for_status()


def run_locust(
    target: str, env: dict[str, str], *, processes: int, users: int, results: Path, mode: str
) -> tuple[float, list[dict]]:
    """Locust headless with ``processes`` local workers; wall seconds from the first request to the last answer."""
    folder = results / mode
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        target,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        TIME_LIMIT,
        "--processes",
        str(processes),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--csv",
        str(results / f"locust-{mode}"),
    ]
    child_env = {**os.environ, **env, "STORM_MODE": mode, "STORM_WORKERS": str(processes), "STORM_RESULTS": str(folder)}
    child = subprocess.Popen(command, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Every worker writes its results once its share is sent; a master still waiting after that is stopped.
    wait_until(
        lambda: child.poll() is not None or len(list(folder.glob("worker-*.json"))) >= processes,
        timeout=30 * 60,
        what=f"the Locust workers to send their share ({mode})",
    )
    try:
        output, _ = child.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        child.terminate()
        output, _ = child.communicate(timeout=15)
    done = subprocess.CompletedProcess(command, child.returncode, output, "")
    answers = [row for path in sorted(folder.glob("worker-*.json")) for row in json.loads(path.read_text())]
    if len(list(folder.glob("worker-*.json"))) != processes:
        raise SystemExit(
            f"locust ({mode}) ended without every worker's results:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    first = min(a["at"] - a["ms"] / 1000 for a in answers)
    last = max(a["at"] for a in answers)
    return last - first, answers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def storm(
    app_url: str,
    admin,
    *,
    events: int,
    seed: int,
    processes: int,
    users: int,
    calendly_key: str,
    stripe_secret: str,
    mix: Mix | None = None,
    baseline: bool = True,
) -> Figures:
    """Send the storm and (with ``baseline``) as many bare requests to ``app_url``, then check; the figures."""
    mix = mix or Mix()
    first_start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    env = {
        "STORM_EVENTS": str(events),
        "STORM_SEED": str(seed),
        "STORM_FIRST_START": first_start.isoformat(),
        "STORM_MIX": f"{mix.duplicates},{mix.reordered},{mix.bad_signatures}",
        "STORM_CALENDLY_KEY": calendly_key,
        "STORM_STRIPE_SECRET": stripe_secret,
    }
    with tempfile.TemporaryDirectory(prefix="storm-") as folder:
        results = Path(folder)
        seconds, answers = run_locust(app_url, env, processes=processes, users=users, results=results, mode="storm")
        if baseline:
            bare_seconds, bare = run_locust(
                app_url, env, processes=processes, users=users, results=results, mode="bare"
            )
    plan = build_plan(events, seed=seed, first_start=first_start, mix=mix)
    verdict = check(plan, admin, answers)
    latencies = [a["ms"] for a in answers]
    return Figures(
        events=len(answers),
        seconds=seconds,
        events_per_second=len(answers) / seconds,
        p50=statistics.median(latencies),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        bare_per_second=len(bare) / bare_seconds if baseline else None,
        verdict=verdict,
    )


def storm_against_new_app(
    database_url: str,
    *,
    events: int,
    seed: int,
    processes: int,
    users: int,
    app_workers: int,
    app_threads: int,
    baseline: bool = True,
) -> Figures:
    calendly_key = secrets.token_urlsafe(32)
    stripe_secret = f"whsec_{secrets.token_hex(16)}"
    env = {"CALENDLY_WEBHOOK_SIGNING_KEY": calendly_key, "STRIPE_WEBHOOK_SECRET": stripe_secret}
    with (
        start_app_process(database_url, env=env, workers=app_workers, threads=app_threads) as app,
        app.admin() as admin,
    ):
        add_storm_builder(app)
        return storm(
            app.url,
            admin,
            events=events,
            seed=seed,
            processes=processes,
            users=users,
            calendly_key=calendly_key,
            stripe_secret=stripe_secret,
            baseline=baseline,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--db", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--processes", type=int, default=2, help="local Locust worker processes")
    parser.add_argument("--users", type=int, default=16, help="concurrent Locust users in all")
    parser.add_argument("--app-workers", type=int, default=2)
    parser.add_argument("--app-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--target", help="an app already running (see the module docstring)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.target:
        admin = http_clients.client(
            base_url=args.target, timeout=120, headers={"Authorization": f"Bearer {os.environ['STORM_ADMIN_TOKEN']}"}
        )
        figures = storm(
            args.target,
            admin,
            events=args.events,
            seed=args.seed,
            processes=args.processes,
            users=args.users,
            calendly_key=os.environ["STORM_CALENDLY_KEY"],
            stripe_secret=os.environ["STORM_STRIPE_SECRET"],
        )
    else:
        databases = PostgresDatabases() if args.db == "postgresql" else SqliteDatabases()
        url = databases.create()
        try:
            figures = storm_against_new_app(
                url,
                events=args.events,
                seed=args.seed,
                processes=args.processes,
                users=args.users,
                app_workers=args.app_workers,
                app_threads=args.app_threads,
            )
        finally:
            databases.drop(url)
            databases.close()
    print(
        f"({args.db}, gunicorn {args.app_workers} workers x {args.app_threads} threads, Locust {args.processes} "
        f"processes x {args.users} users in all, seed {args.seed}; {time.perf_counter() - started:.0f} s in all)"
    )
    for line in figures.lines():
        print(line)
    if not figures.verdict.ok:
        for name in ("lost", "applied_twice", "bad_signatures_accepted", "wrong_end_state"):
            for item in getattr(figures.verdict, name)[:10]:
                print(f"  {name}: {item}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
