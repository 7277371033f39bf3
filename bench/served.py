"""The app a benchmark measures: under gunicorn as its own process (the default), or Flask's development server.

Production runs ``booking-app serve`` (gunicorn, workers x threads); a benchmark against Flask's
development server measures that server's ceiling (a few hundred requests a second) more than the
app. ``serve`` seeds the database through a throwaway app instance in this process (the rows a
benchmark needs, written directly, before the server starts), then starts the server and yields
its URL and a factory of operator API clients. The bare endpoint is ``GET /healthz`` of the same
server either way.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from app_under_test import create_app
from app_under_test.config import Config
from harness.app_process import start_app_process
from harness.apps import start_app


@contextlib.contextmanager
def serve(
    database_url: str,
    settings: dict[str, Any],
    seed: Callable[[Any], Any],
    *,
    server: str = "gunicorn",
    workers: int = 2,
    threads: int = 4,
    prepare: Callable[[Any], None] | None = None,
) -> Iterator[tuple[str, Callable[[], httpx.Client], Any]]:
    """``settings``: Config attribute names; ``seed(flask_app)`` writes the rows and returns what the run needs;
    ``prepare(flask_app)``: changes to the in-process app (development server only)."""
    if server == "dev":
        app = start_app(database_url, **settings)
        try:
            if prepare is not None:
                prepare(app.flask_app)
            yield app.url, app.admin, seed(app.flask_app)
        finally:
            app.stop()
        return
    if prepare is not None:
        raise SystemExit("this option changes the app in-process: run it with --server dev")
    config = Config(
        env="test",
        database_url=database_url,
        secret_key=secrets.token_hex(32),
        admin_api_token=secrets.token_hex(24),
        **settings,
    )
    seeding = create_app(config)
    try:
        seeded = seed(seeding)
    finally:
        seeding.extensions["booking_db"].dispose()
    env = {name: value for name, value in config.to_env().items() if name not in ("DATABASE_URL", "SECRET_KEY")}
    env.pop("ADMIN_API_TOKEN", None)
    env.pop("PUBLIC_BASE_URL", None)
    with start_app_process(database_url, env=env, workers=workers, threads=threads) as app:
        yield app.url, app.admin, seeded


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", default="gunicorn", choices=["gunicorn", "dev"], help="booking-app serve, or Flask's"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--app-threads", type=int, default=4, help="threads per gunicorn worker")


def server_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"server": args.server, "workers": args.workers, "threads": args.app_threads}


def describe(server: dict[str, Any]) -> str:
    if server["server"] == "dev":
        return "Flask development server"
    return f"gunicorn {server['workers']} workers x {server['threads']} threads"
