"""Operator commands (``booking-app <command>``): migrate, seed, check configuration."""

from __future__ import annotations

import click
from flask import Flask

from app_under_test.db import get_db
from app_under_test.providers import app_config


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply every Alembic migration to DATABASE_URL."""
        from app_under_test.migrate import upgrade

        upgrade(app_config().database_url)
        click.echo("database is at the latest schema")

    @app.cli.command("seed")
    @click.option("--seed", "seed_value", default=None, type=int, help="Faker seed (default: the demo seed).")
    @click.option("--builders", default=6, show_default=True)
    def seed(seed_value: int | None, builders: int) -> None:
        """Fill an empty database with the demo marketplace."""
        from app_under_test.seed import DEMO_SEED, seed_demo

        with get_db().transaction() as session:
            created = seed_demo(session, seed=seed_value if seed_value is not None else DEMO_SEED, builders=builders)
        click.echo(f"seeded {created} builders" if created else "database already has builders; nothing seeded")

    @app.cli.command("check-config")
    def check_config() -> None:
        """List every production configuration problem (exit 1 if any)."""
        problems = app_config().problems()
        for problem in problems:
            click.echo(f"- {problem}")
        if problems:
            raise SystemExit(1)
        click.echo("configuration is complete")
