"""``booking-app serve``: the app under its production WSGI server, gunicorn, configured from the environment.

Flask's own server is for development (one process, a ceiling of a few hundred requests a
second). Production runs ``create_app()`` in gunicorn's pre-forked workers, each with a pool of
threads (the ``gthread`` worker). The configuration is checked once in the master before any
worker starts, so a bad environment stops start-up with the one message that lists every problem
instead of a crash loop of workers. Each worker builds its own app, hence its own database pool.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from app_under_test.config import Config

DEFAULT_BIND = "127.0.0.1:8000"


class BookingServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn with its settings given here rather than read from a command line or a config file."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        from app_under_test import create_app

        return create_app()


def _default_int(name: str, fallback: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip().isdigit() else fallback


@click.command("serve")
@click.option(
    "--bind",
    "binds",
    multiple=True,
    metavar="ADDRESS",
    help=f"HOST:PORT, unix:PATH or fd://N to listen on; repeatable (default: $BIND or {DEFAULT_BIND}).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: _default_int("WEB_CONCURRENCY", 2),
    show_default="$WEB_CONCURRENCY or 2",
    help="Worker processes.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=lambda: _default_int("GUNICORN_THREADS", 4),
    show_default="$GUNICORN_THREADS or 4",
    help="Threads per worker.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Seconds a request may take before its worker is restarted.",
)
@click.option(
    "--keepalive",
    type=click.IntRange(min=0),
    default=75,
    show_default=True,
    # Longer than any client keeps an idle connection (httpx 5 s, proxies and load balancers 60 s): with
    # gunicorn's 2 s default a client reusing a connection the server has just closed gets a reset.
    help="Seconds an idle keep-alive connection stays open.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    help="gunicorn's access log on stderr (the app logs requests itself).",
)
def serve_command(
    binds: tuple[str, ...], workers: int, threads: int, timeout: int, keepalive: int, access_log: bool
) -> None:
    """Run the app under gunicorn, configured from the environment like every other command."""
    Config.from_env().validate()  # ConfigError is reported by booking-app's main, before any worker forks
    settings: dict[str, Any] = {
        "bind": list(binds) or [os.environ.get("BIND", DEFAULT_BIND)],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": min(timeout, 10),
        "keepalive": keepalive,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "proc_name": "booking-app",
    }
    BookingServer(settings).run()
