"""Configuration read from the environment and validated at start-up.

Every variable the brief names is read here and nowhere else. In production
mode a missing or placeholder value stops start-up with ONE message that names
every problem, so an operator fixes them all in one go instead of one per
restart. Secrets are kept out of ``repr`` so they never reach a log line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

REAL_STRIPE_API = "https://api.stripe.com"
REAL_CALENDLY_API = "https://api.calendly.com"
REAL_SENDGRID_API = "https://api.sendgrid.com"

# Values that are obviously not real secrets (copied from an example file, left empty...).
_PLACEHOLDER = re.compile(
    r"^(|changeme|change[-_]me|placeholder|todo|tbd|xxx+|dummy|example|secret|none|null|"
    r"your[-_ ].*|<.*>|\$\{.*\}|.*_placeholder|.*_changeme|.*x{6,}.*)$",
    re.IGNORECASE,
)

# name -> (attribute, is_secret, required prefix or None)
BRIEF_VARIABLES: dict[str, tuple[str, bool, str | None]] = {
    "CALENDLY_API_TOKEN": ("calendly_api_token", True, None),
    "CALENDLY_USERNAME": ("calendly_username", False, None),
    "CALENDLY_WEBHOOK_SIGNING_KEY": ("calendly_webhook_signing_key", True, None),
    "STRIPE_SECRET_KEY": ("stripe_secret_key", True, "sk_"),
    "STRIPE_WEBHOOK_SECRET": ("stripe_webhook_secret", True, "whsec_"),
    "STRIPE_PUBLISHABLE_KEY": ("stripe_publishable_key", False, "pk_"),
    "SENDGRID_API_KEY": ("sendgrid_api_key", True, "SG."),
    "SENDGRID_BOOKING_TEMPLATE_ID": ("sendgrid_booking_template_id", False, "d-"),
    "NEXT_PUBLIC_BASE_URL": ("public_base_url", False, None),
    "DATABASE_URL": ("database_url", True, None),
}


# Further settings read from the environment: name -> attribute (BRIEF_VARIABLES holds the brief's own).
SETTING_VARIABLES: dict[str, str] = {
    "APP_ENV": "env",
    "SECRET_KEY": "secret_key",
    "CALENDLY_API_BASE": "calendly_api_base",
    "STRIPE_API_BASE": "stripe_api_base",
    "SENDGRID_API_BASE": "sendgrid_api_base",
    "SENDGRID_CANCELLATION_TEMPLATE_ID": "sendgrid_cancellation_template_id",
    "SENDGRID_RECEIPT_TEMPLATE_ID": "sendgrid_receipt_template_id",
    "SENDGRID_REMINDER_TEMPLATE_ID": "sendgrid_reminder_template_id",
    "SENDGRID_MOVED_TEMPLATE_ID": "sendgrid_moved_template_id",
    "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY": "sendgrid_event_webhook_public_key",
    "MAIL_FROM": "mail_from",
    "SLOT_PROVIDER": "slot_provider",
    "ADMIN_API_TOKEN": "admin_api_token",
    "SENTRY_DSN": "sentry_dsn",
    "LOG_LEVEL": "log_level",
    "RATELIMIT_STORAGE_URI": "ratelimit_storage_uri",
    "RATELIMIT_KEY_PREFIX": "ratelimit_key_prefix",
    "SIGN_IN_LIMIT_PER_ADDRESS": "sign_in_limit_per_address",
    "SIGN_IN_LIMIT_PER_ACCOUNT": "sign_in_limit_per_account",
    "SIGN_UP_LIMIT_PER_ADDRESS": "sign_up_limit_per_address",
    "SIGN_UP_LIMIT_PER_ACCOUNT": "sign_up_limit_per_account",
}


class ConfigError(RuntimeError):
    """Start-up refused: the message lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"configuration is not usable ({len(problems)} problem(s)):\n{listing}")


@dataclass
class Config:
    env: str = "development"  # development | test | production
    secret_key: str = field(default="dev-only-secret-key", repr=False)
    database_url: str = field(default="sqlite:///instance/booking.sqlite3", repr=False)
    public_base_url: str = "http://127.0.0.1:5000"

    calendly_api_token: str = field(default="", repr=False)
    calendly_username: str = ""
    calendly_webhook_signing_key: str = field(default="", repr=False)
    calendly_api_base: str = REAL_CALENDLY_API

    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_publishable_key: str = ""
    stripe_api_base: str = REAL_STRIPE_API

    sendgrid_api_key: str = field(default="", repr=False)
    sendgrid_booking_template_id: str = ""
    sendgrid_cancellation_template_id: str = ""
    sendgrid_receipt_template_id: str = ""
    sendgrid_reminder_template_id: str = ""
    sendgrid_moved_template_id: str = ""
    sendgrid_event_webhook_public_key: str = ""  # base64 DER key SendGrid shows for the signed Event Webhook
    sendgrid_api_base: str = REAL_SENDGRID_API
    mail_from: str = "bookings@example.com"

    slot_provider: str = "local"  # local | calendly
    admin_api_token: str = field(default="", repr=False)
    sentry_dsn: str = field(default="", repr=False)
    log_level: str = "INFO"
    max_form_bytes: int = 64 * 1024
    max_webhook_bytes: int = 512 * 1024
    payment_hold_minutes: int = 30
    # Sign-in and sign-up limits (Flask-Limiter notation); see rate_limits.py and docs/operations.md.
    ratelimit_storage_uri: str = field(default="memory://", repr=False)  # redis://host:6379/0 to share them
    ratelimit_key_prefix: str = "booking"
    rate_limits_enabled: bool = True
    sign_in_limit_per_address: str = "30 per minute;300 per hour"
    sign_in_limit_per_account: str = "5 per minute;20 per hour"  # refused passwords only
    sign_up_limit_per_address: str = "10 per minute;100 per hour"
    sign_up_limit_per_account: str = "5 per hour"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # field name -> value, of each field's own type; the constructor checks names
        for name, (attr, _secret, _prefix) in BRIEF_VARIABLES.items():
            if name in env:
                values[attr] = env[name]
        for name, attr in SETTING_VARIABLES.items():
            if name in env:
                values[attr] = env[name]
        if values.get("env") == "production":
            # No development defaults in production: an unset variable is reported as missing.
            for attr, _secret, _prefix in BRIEF_VARIABLES.values():
                values.setdefault(attr, "")
            values.setdefault("secret_key", "")
        if "RATE_LIMITS_ENABLED" in env:
            values["rate_limits_enabled"] = env["RATE_LIMITS_ENABLED"].strip().lower() not in (
                "0",
                "false",
                "no",
                "off",
            )
        if "PAYMENT_HOLD_MINUTES" in env:
            values["payment_hold_minutes"] = int(env["PAYMENT_HOLD_MINUTES"])
        values.update(overrides)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment variables that ``from_env`` reads back into this configuration.

        What a launcher hands to a separately started process (``booking-app serve``) so it runs
        with exactly this configuration; settings the environment cannot carry keep their defaults.
        """
        env: dict[str, str] = {}  # APP_ENV is among SETTING_VARIABLES
        names = {name: attr for name, (attr, _secret, _prefix) in BRIEF_VARIABLES.items()} | SETTING_VARIABLES
        for name, attr in names.items():
            env[name] = str(getattr(self, attr))
        env["RATE_LIMITS_ENABLED"] = "true" if self.rate_limits_enabled else "false"
        env["PAYMENT_HOLD_MINUTES"] = str(self.payment_hold_minutes)
        return env

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def problems(self) -> list[str]:
        """Everything that would make a production deployment misbehave."""
        problems: list[str] = []
        for name, (attr, _secret, prefix) in BRIEF_VARIABLES.items():
            value = str(getattr(self, attr) or "").strip()
            if not value:
                problems.append(f"{name} is missing")
            elif _PLACEHOLDER.match(value):
                problems.append(f"{name} holds a placeholder value")
            elif prefix and not value.startswith(prefix):
                problems.append(f"{name} must start with {prefix!r}")
        if (
            self.public_base_url
            and not _PLACEHOLDER.match(self.public_base_url)
            and not self.public_base_url.startswith("https://")
        ):
            problems.append("NEXT_PUBLIC_BASE_URL must be an https:// URL in production")
        if self.database_url and not self.database_url.startswith(("postgresql", "postgres")):
            problems.append("DATABASE_URL must point at PostgreSQL in production")
        if not self.secret_key or self.secret_key == Config.secret_key or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        if not self.admin_api_token or len(self.admin_api_token) < 24:
            problems.append("ADMIN_API_TOKEN must be set (at least 24 characters) to protect the operator API")
        if self.slot_provider != "calendly":
            problems.append("SLOT_PROVIDER must be 'calendly' in production")
        return problems

    @property
    def checkout_origin(self) -> str:
        """Where Stripe's hosted payment page lives (the booking form redirects there: CSP form-action)."""
        if self.stripe_api_base.rstrip("/") == REAL_STRIPE_API:
            return "https://checkout.stripe.com"
        parts = urlsplit(self.stripe_api_base)
        return f"{parts.scheme}://{parts.netloc}"

    def validate(self) -> None:
        if self.env not in {"development", "test", "production"}:
            raise ConfigError([f"APP_ENV must be development, test or production, not {self.env!r}"])
        if self.slot_provider not in {"local", "calendly"}:
            raise ConfigError([f"SLOT_PROVIDER must be 'local' or 'calendly', not {self.slot_provider!r}"])
        if self.is_production:
            problems = self.problems()
            if problems:
                raise ConfigError(problems)

    def secret_values(self) -> list[str]:
        """Every configured secret, so log redaction can scrub them wherever they appear."""
        return [
            str(getattr(self, f.name))
            for f in fields(self)
            if not f.repr and getattr(self, f.name) and len(str(getattr(self, f.name))) >= 6
        ]
