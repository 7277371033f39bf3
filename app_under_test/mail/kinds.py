"""The mails the service sends, and which configured SendGrid dynamic template renders each.

Five templates serve six kinds: a refund notice is the receipt template with
``is_refund`` set, a receipt for money going the other way. The template
sources live in ``app_under_test/templates/mail/<template>.{subject,html,txt}.hbs``
and reach SendGrid through ``provision`` (``booking-app mail provision-templates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app_under_test.config import Config

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"


@dataclass(frozen=True)
class Template:
    key: str  # file stem under TEMPLATE_DIR
    name: str  # the template's name in the SendGrid account
    config_attr: str  # Config attribute holding its id
    env_name: str  # the environment variable an operator sets


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "booking_confirmation",
            "Booking service: booking confirmation",
            "sendgrid_booking_template_id",
            "SENDGRID_BOOKING_TEMPLATE_ID",
        ),
        Template(
            "cancellation_notice",
            "Booking service: cancellation notice",
            "sendgrid_cancellation_template_id",
            "SENDGRID_CANCELLATION_TEMPLATE_ID",
        ),
        Template(
            "payment_receipt",
            "Booking service: payment receipt",
            "sendgrid_receipt_template_id",
            "SENDGRID_RECEIPT_TEMPLATE_ID",
        ),
        Template(
            "booking_reminder",
            "Booking service: booking reminder",
            "sendgrid_reminder_template_id",
            "SENDGRID_REMINDER_TEMPLATE_ID",
        ),
        Template(
            "booking_moved",
            "Booking service: booking moved",
            "sendgrid_moved_template_id",
            "SENDGRID_MOVED_TEMPLATE_ID",
        ),
    )
}

# outbox kind -> template key
KIND_TEMPLATES: dict[str, str] = {
    "confirmation": "booking_confirmation",
    "cancellation": "cancellation_notice",
    "moved": "booking_moved",
    "receipt": "payment_receipt",
    "refund": "payment_receipt",
    "reminder": "booking_reminder",
}


def template_for(kind: str) -> Template:
    return TEMPLATES[KIND_TEMPLATES[kind]]


def template_id(config: Config, kind: str) -> str:
    return str(getattr(config, template_for(kind).config_attr) or "")


def template_sources(key: str) -> dict[str, str]:
    """``subject``, ``html_content`` and ``plain_content`` of one template, as files hold them."""
    parts = {"subject": "subject.hbs", "html_content": "html.hbs", "plain_content": "txt.hbs"}
    return {
        part: (TEMPLATE_DIR / f"{key}.{suffix}").read_text(encoding="utf-8").strip("\n")
        for part, suffix in parts.items()
    }
