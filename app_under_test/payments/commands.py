"""``booking-app payments ...``: register the Stripe webhook, release expired holds, send queued refunds."""

from __future__ import annotations

import json

import click
import stripe
from flask import Flask

from app_under_test.db import get_db
from app_under_test.payments.gateway import PaymentsNotConfigured, ProviderError, app_client
from app_under_test.providers import app_config, slot_provider
from app_under_test.timeutil import parse_utc_iso


def register(app: Flask) -> None:
    @app.cli.group("payments")
    def payments() -> None:
        """Operate the Stripe connection and paid bookings."""

    def client_or_exit() -> stripe.StripeClient:
        try:
            return app_client()
        except PaymentsNotConfigured as exc:
            raise click.ClickException(str(exc)) from exc

    @payments.command("register-webhook")
    @click.option("--replace", is_flag=True, help="Delete this URL's endpoint and make a new one (new secret).")
    def register_webhook_command(replace: bool) -> None:
        """Create the Stripe webhook endpoint for <NEXT_PUBLIC_BASE_URL>/webhooks/stripe; prints its secret once."""
        from app_under_test.payments.setup import register_webhook

        try:
            result = register_webhook(client_or_exit(), app_config(), replace=replace)
        except ProviderError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"endpoint {result['id']} {result['status']} for {result['url']}", err=True)
        if result.get("secret"):  # shown once by Stripe: the line to paste into the environment
            click.echo(f"STRIPE_WEBHOOK_SECRET={result['secret']}")
        else:
            click.echo(
                "Stripe shows an endpoint's secret only when it is created; use --replace for a new one.", err=True
            )

    @payments.command("expire-holds")
    @click.option("--as-of", default=None, help="ISO-8601 instant (default: now).")
    def expire_holds_command(as_of: str | None) -> None:
        """Release held bookings whose payment time ran out (run from cron every minute)."""
        from app_under_test.payments.holds import expire_holds

        when = parse_utc_iso(as_of) if as_of else None
        click.echo(json.dumps(expire_holds(get_db(), client_or_exit(), slot_provider(), as_of=when).as_dict()))

    @payments.command("issue-refunds")
    def issue_refunds_command() -> None:
        """Send refunds that were decided but not yet accepted by Stripe."""
        from app_under_test.payments.refunds import issue_requested

        click.echo(json.dumps(issue_requested(get_db(), client_or_exit())))
