"""Operator commands (``booking-app <command>``): migrate, seed, check configuration."""

from __future__ import annotations

import click
from flask import Flask

from app_under_test.calendly import commands as calendly_commands
from app_under_test.db import get_db
from app_under_test.payments import commands as payment_commands
from app_under_test.providers import app_config


def register_commands(app: Flask) -> None:
    from app_under_test.mail.commands import register as register_mail_commands

    register_webhook_commands(app)
    register_mail_commands(app)
    calendly_commands.register(app)
    payment_commands.register(app)

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


def register_webhook_commands(app: Flask) -> None:
    from app_under_test.webhooks import inbox
    from app_under_test.webhooks.registry import webhook_providers

    @app.cli.group("webhooks")
    def webhooks() -> None:
        """Inspect and drive the webhook inbox."""

    @webhooks.command("list")
    @click.option("--status", default=None, help="received | processed | retry | ignored | dead")
    def list_events(status: str | None) -> None:
        from sqlalchemy import select

        from app_under_test.models import WebhookEvent

        statement = select(WebhookEvent).order_by(WebhookEvent.id)
        if status:
            statement = statement.where(WebhookEvent.status == status)
        with get_db().reader() as session:
            for row in session.scalars(statement):
                click.echo(
                    f"{row.id}\t{row.provider}\t{row.event_type}\t{row.status}\t{row.attempts}\t"
                    f"{(row.last_error or '')[:80]}"
                )

    @webhooks.command("process-due")
    def process_due() -> None:
        """Process retries whose time has come (run from cron every minute)."""
        dispatchers = {name: p.dispatch for name, p in webhook_providers().items()}
        click.echo(inbox.process_due(get_db(), dispatchers))

    @webhooks.command("replay")
    @click.argument("event_id", type=int)
    def replay(event_id: int) -> None:
        """Process a dead (or ignored) letter again, from scratch."""
        from app_under_test.models import WebhookEvent

        with get_db().reader() as session:
            row = session.get(WebhookEvent, event_id)
            if row is None:
                raise click.ClickException(f"no stored webhook event {event_id}")
            provider = webhook_providers()[row.provider]
        click.echo(inbox.replay(get_db(), event_id, provider.dispatch))
