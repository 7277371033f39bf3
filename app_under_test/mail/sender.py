"""One ``POST /v3/mail/send`` through the official ``sendgrid`` library, and what its answer means.

Outcomes, decided from SendGrid's answer:
  - 2xx: sent; ``X-Message-Id`` is kept to match later delivery events.
  - 401/403: the API key is wrong or lacks the Mail Send scope. Retrying cannot
    help, so the mail is dead at once with "SendGrid rejected the API key", and
    the error goes to the logs and the monitoring service.
  - 429, 5xx, timeouts, refused connections: retried with backoff (a 429's
    ``X-RateLimit-Reset`` is honoured as the earliest next try).
  - any other 4xx (a bad template id, an invalid address): dead, with SendGrid's
    own first error message.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

import sentry_sdk
import structlog
from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Category, CustomArg, From, Mail, TemplateId, To

from app_under_test.config import Config
from app_under_test.mail.outbox import Claimed

SEND_TIMEOUT_SECONDS = 5.0
BAD_KEY = "SendGrid rejected the API key"

log = structlog.get_logger("mail")


@dataclass(frozen=True)
class SendResult:
    outcome: str  # sent | retry | dead
    message_id: str | None = None
    error: str | None = None
    not_before: datetime | None = None


def sendgrid_client(config: Config, *, timeout: float = SEND_TIMEOUT_SECONDS) -> SendGridAPIClient:
    client = SendGridAPIClient(config.sendgrid_api_key, host=config.sendgrid_api_base)
    client.client.timeout = timeout  # python-http-client passes it to every request it builds
    return client


def build_mail(config: Config, message: Claimed, template_id: str) -> Mail:
    sender_name, sender_email = parseaddr(config.mail_from)
    recipient_name = message.data.get("recipient_name") or None
    mail = Mail(
        from_email=From(sender_email or config.mail_from, sender_name or None),
        to_emails=To(message.recipient, recipient_name),
    )
    mail.template_id = TemplateId(template_id)
    mail.dynamic_template_data = message.data
    mail.category = Category(message.kind)
    # Custom args come back on every delivery event: they tie a bounce or a drop to this row.
    mail.custom_arg = [CustomArg("outbox_id", str(message.id)), CustomArg("mail_kind", message.kind)]
    if message.data.get("booking_reference"):
        mail.custom_arg = CustomArg("booking", str(message.data["booking_reference"]))
    return mail


def _first_error(exc: http_errors.HTTPError) -> str:
    try:
        errors = exc.to_dict.get("errors") or []
        first = errors[0]
        field = f" ({first['field']})" if first.get("field") else ""
        return f"{first.get('message')}{field}"
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body)
        return body[:300]


def _rate_limit_reset(exc: http_errors.HTTPError) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(exc.headers.get("X-RateLimit-Reset")), tz=UTC)
    except (TypeError, ValueError, AttributeError, OverflowError, OSError):
        return None


def classify_error(exc: Exception) -> SendResult:
    if isinstance(exc, (http_errors.UnauthorizedError, http_errors.ForbiddenError)):
        error = f"{BAD_KEY} ({exc.status_code}): {_first_error(exc)}"
        log.error("sendgrid_api_key_rejected", status=exc.status_code, error=error)
        sentry_sdk.capture_message(error, level="error")
        return SendResult("dead", error=error)
    if isinstance(exc, http_errors.TooManyRequestsError):
        return SendResult(
            "retry", error=f"SendGrid rate limit (429): {_first_error(exc)}", not_before=_rate_limit_reset(exc)
        )
    if isinstance(exc, http_errors.HTTPError):
        status = int(getattr(exc, "status_code", 0) or 0)
        error = f"SendGrid answered {status}: {_first_error(exc)}"
        return SendResult("retry" if status >= 500 else "dead", error=error)
    # urllib's URLError, socket timeouts, refused connections: all OSError
    return SendResult("retry", error=f"SendGrid could not be reached: {type(exc).__name__}: {exc}")


def send(client: SendGridAPIClient, mail: Mail) -> SendResult:
    try:
        response = client.send(mail)
    except (http_errors.HTTPError, OSError, http.client.HTTPException) as exc:
        return classify_error(exc)
    headers = response.headers
    message_id = headers.get("X-Message-Id") if headers is not None else None
    return SendResult("sent", message_id=message_id)
