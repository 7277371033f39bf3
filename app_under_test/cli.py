"""``booking-app``: the Flask CLI bound to ``create_app`` (serve, run, db-upgrade, seed, check-config...)."""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from app_under_test import create_app
from app_under_test.config import ConfigError
from app_under_test.wsgi_server import serve_command


def main() -> None:
    try:
        group = FlaskGroup(create_app=create_app)
        group.add_command(serve_command)  # not an app command: each gunicorn worker builds its own app
        group(prog_name="booking-app")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
