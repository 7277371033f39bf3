"""``booking-app``: the Flask CLI bound to ``create_app`` (run, db-upgrade, seed, check-config...)."""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from app_under_test import create_app
from app_under_test.config import ConfigError


def main() -> None:
    try:
        FlaskGroup(create_app=lambda: create_app())(prog_name="booking-app")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
