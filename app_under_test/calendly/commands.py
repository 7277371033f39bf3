"""``booking-app calendly ...``: the operator's Calendly commands (register the webhook, reconcile)."""

from __future__ import annotations

import json

import click
from flask import Flask

from app_under_test.calendly.client import CalendlyClient, CalendlyError, app_client
from app_under_test.db import get_db
from app_under_test.providers import app_config
from app_under_test.timeutil import parse_utc_iso


def register(app: Flask) -> None:
    @app.cli.group("calendly")
    def calendly() -> None:
        """Set up and repair the Calendly connection."""

    def client_or_exit() -> CalendlyClient:
        client = app_client()
        if client is None:
            raise click.ClickException("CALENDLY_API_TOKEN is not set")
        return client

    @calendly.command("register-webhook")
    @click.option("--force", is_flag=True, help="Replace an active subscription too (after rotating the key).")
    def register_webhook_command(force: bool) -> None:
        """Subscribe this app's /webhooks/calendly to all five events (idempotent)."""
        from app_under_test.calendly.setup import register_webhook

        try:
            result = register_webhook(client_or_exit(), app_config(), force=force)
        except (CalendlyError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        subscription = result["subscription"] or {}
        click.echo(
            f"{result['status']}: {subscription.get('uri')} ({subscription.get('state')}) "
            f"-> {subscription.get('callback_url')}"
        )

    @calendly.command("reconcile")
    @click.option("--from", "start", default=None, help="ISO instant (default: 1 day ago).")
    @click.option("--to", "end", default=None, help="ISO instant (default: 90 days ahead).")
    def reconcile_command(start: str | None, end: str | None) -> None:
        """Compare local bookings with Calendly's and repair the drift; prints the report as JSON."""
        from app_under_test.calendly.reconcile import default_window, reconcile

        window = default_window()
        try:
            window = (parse_utc_iso(start) if start else window[0], parse_utc_iso(end) if end else window[1])
            report = reconcile(get_db(), client_or_exit(), start=window[0], end=window[1])
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from exc
        except CalendlyError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(report.as_dict(), indent=2))
