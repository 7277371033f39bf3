"""``booking-app mail ...``: what cron and an operator run.

booking-app mail send-due                    retry what is due (cron, every minute)
booking-app mail send-reminders --within 24h queue and send reminders (cron, e.g. every 15 minutes)
booking-app mail list [--status dead]        the outbox, dead letters first to look at
booking-app mail retry <id>                  give a dead letter a fresh start
booking-app mail provision-templates         create/update the dynamic templates, print their ids
booking-app mail register-webhook            point the Event Webhook here, print its verification key
"""

from __future__ import annotations

import click
from flask import Flask
from python_http_client import exceptions as http_errors
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.mail import delivery, outbox, provision, reminders
from app_under_test.models import OutboxMessage
from app_under_test.providers import app_config
from app_under_test.timeutil import utcnow


def register(app: Flask) -> None:
    @app.cli.group("mail")
    def mail() -> None:
        """Transactional mail: outbox, reminders, SendGrid set-up."""

    @mail.command("send-due")
    def send_due() -> None:
        """Send every queued mail whose (re)try is due."""
        click.echo(delivery.send_due(get_db(), app_config()))

    @mail.command("send-reminders")
    @click.option("--within", default="24h", show_default=True, help="window ahead of now: 24h, 90m, 1d")
    def send_reminders(within: str) -> None:
        """Queue (and send) one reminder per confirmed booking starting within the window."""
        try:
            window = reminders.parse_window(within)
            click.echo(reminders.queue_reminders(get_db(), now=utcnow(), within=window))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--within") from exc

    @mail.command("list")
    @click.option("--status", default=None, help="pending | sent | retry | dead")
    def list_mail(status: str | None) -> None:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if status:
            statement = statement.where(OutboxMessage.status == status)
        with get_db().reader() as session:
            for row in session.scalars(statement):
                click.echo(
                    f"{row.id}\t{row.kind}\t{row.recipient}\t{row.status}\t{row.attempts}\t"
                    f"{(row.last_error or '')[:100]}"
                )

    @mail.command("retry")
    @click.argument("message_id", type=int)
    def retry(message_id: int) -> None:
        """Give a dead (or waiting) mail a fresh start and try it now."""
        with get_db().transaction() as session:
            if outbox.requeue(session, message_id) is None:
                raise click.ClickException(f"no queued mail {message_id}")
        click.echo(delivery.send_rows(get_db(), app_config(), [message_id], now=utcnow()))

    @mail.command("provision-templates")
    def provision_templates() -> None:
        """Create or update the dynamic templates in SendGrid; prints the settings to configure."""
        try:
            ids = provision.provision_templates(app_config())
        except (provision.ProvisioningError, http_errors.HTTPError, OSError) as exc:
            raise click.ClickException(f"provisioning failed: {_describe(exc)}") from exc
        for name, template_id in ids.items():
            click.echo(f"{name}={template_id}")

    @mail.command("register-webhook")
    @click.option("--url", default=None, help="default: NEXT_PUBLIC_BASE_URL + /webhooks/sendgrid")
    def register_webhook(url: str | None) -> None:
        """Point SendGrid's signed Event Webhook at this app; prints the verification key to configure."""
        try:
            key = provision.register_event_webhook(app_config(), url)
        except (provision.ProvisioningError, http_errors.HTTPError, OSError) as exc:
            raise click.ClickException(f"registering the event webhook failed: {_describe(exc)}") from exc
        click.echo(f"SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY={key}")


def _describe(exc: Exception) -> str:
    if isinstance(exc, http_errors.HTTPError):
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body)
        return f"SendGrid answered {exc.status_code}: {body[:300]}"
    return str(exc)
