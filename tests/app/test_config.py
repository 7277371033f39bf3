"""Production configuration: every problem named at once, secrets never shown."""

from __future__ import annotations

import pytest

from app_under_test import create_app
from app_under_test.config import BRIEF_VARIABLES, Config, ConfigError

GOOD = {
    "APP_ENV": "production",
    "CALENDLY_API_TOKEN": "eyJraWQiOiIxY2UxZTEzNjE3ZGNmNzY2YjNjZWJjY2Y4ZGM1Y"
    "mFmYThhNjVlNjg0MDIzZjdjMzJiZTgzNDliMjM4MDEzNWI0",
    "CALENDLY_USERNAME": "ada-stone",
    "CALENDLY_WEBHOOK_SIGNING_KEY": "k7Hq2vXw9Rt4yLm3",
    "STRIPE_SECRET_KEY": "sk_live_51Hb2aQ8kq9ZrTtYv",
    "STRIPE_WEBHOOK_SECRET": "whsec_9f8e7d6c5b4a3928",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_51Hb2aQ8kq9ZrTtYv",
    "SENDGRID_API_KEY": "SG.a1b2c3d4e5.f6g7h8i9j0",
    "SENDGRID_BOOKING_TEMPLATE_ID": "d-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "NEXT_PUBLIC_BASE_URL": "https://book.example.com",
    "DATABASE_URL": "postgresql://booking:s3cret@db.internal:5432/booking",
    "SECRET_KEY": "q" * 40,
    "ADMIN_API_TOKEN": "t" * 32,
    "SLOT_PROVIDER": "calendly",
}


def test_a_complete_production_environment_validates():
    Config.from_env(GOOD).validate()


def test_every_missing_variable_is_named_in_one_message():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"APP_ENV": "production"}).validate()
    message = str(caught.value)
    for name in BRIEF_VARIABLES:
        assert name in message
    assert len(caught.value.problems) >= len(BRIEF_VARIABLES)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("STRIPE_SECRET_KEY", "changeme", "placeholder"),
        ("STRIPE_SECRET_KEY", "pk_live_wrongkind", "must start with 'sk_'"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_placeholder", "placeholder"),
        ("SENDGRID_API_KEY", "your-sendgrid-key", "placeholder"),
        ("SENDGRID_BOOKING_TEMPLATE_ID", "booking", "must start with 'd-'"),
        ("NEXT_PUBLIC_BASE_URL", "http://book.example.com", "https://"),
        ("DATABASE_URL", "sqlite:///prod.db", "PostgreSQL"),
        ("CALENDLY_API_TOKEN", "<your token>", "placeholder"),
        ("CALENDLY_WEBHOOK_SIGNING_KEY", "xxxxxxxx", "placeholder"),
    ],
)
def test_placeholders_and_wrong_kinds_are_refused(name, value, expected):
    with pytest.raises(ConfigError) as caught:
        Config.from_env({**GOOD, name: value}).validate()
    assert any(name in p and expected in p for p in caught.value.problems), caught.value.problems


def test_the_refusal_never_prints_a_secret():
    env = {**GOOD, "SENDGRID_API_KEY": "not-a-sendgrid-key", "NEXT_PUBLIC_BASE_URL": "http://x"}
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env).validate()
    message = str(caught.value)
    for secret in ("sk_live_51Hb2aQ8kq9ZrTtYv", "whsec_9f8e7d6c5b4a3928", "s3cret", "not-a-sendgrid-key"):
        assert secret not in message
    assert "s3cret" not in repr(Config.from_env(env))


def test_create_app_refuses_to_start_in_production_with_problems():
    with pytest.raises(ConfigError):
        create_app(Config.from_env({"APP_ENV": "production"}))


def test_development_mode_starts_without_provider_secrets(tmp_path):
    app = create_app(Config(database_url=f"sqlite:///{tmp_path}/dev.sqlite3"))
    assert app.test_client().get("/healthz").json == {"status": "ok"}


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="APP_ENV"):
        Config.from_env({"APP_ENV": "prod"}).validate()
