"""Deployment settings an operator relies on: each production problem named with its fix, the limits exact,
the environment read and written back without loss, the hosted payment page's origin, secrets known for
redaction."""

from __future__ import annotations

import pytest

from app_under_test.config import BRIEF_VARIABLES, SETTING_VARIABLES, Config, ConfigError
from tests.app.test_config import GOOD

pytestmark = [pytest.mark.deployment]


def problems_with(**changes: str) -> list[str]:
    env = {**GOOD, **changes}
    return Config.from_env({k: v for k, v in env.items() if v is not None}).problems()


def test_a_complete_production_environment_has_no_problem():
    assert problems_with() == []


def test_a_missing_production_variable_is_named_as_missing():
    env = {k: v for k, v in GOOD.items() if k != "STRIPE_WEBHOOK_SECRET"}
    assert Config.from_env(env).problems() == ["STRIPE_WEBHOOK_SECRET is missing"]
    assert problems_with(SENDGRID_API_KEY="   ") == ["SENDGRID_API_KEY is missing"]


def test_a_wrong_kind_of_key_is_named_with_the_prefix_it_needs():
    assert problems_with(STRIPE_PUBLISHABLE_KEY="sk_live_51Hb2aQ8kq9ZrTtYv") == [
        "STRIPE_PUBLISHABLE_KEY must start with 'pk_'"
    ]
    assert problems_with(CALENDLY_USERNAME="changeme") == ["CALENDLY_USERNAME holds a placeholder value"]


@pytest.mark.parametrize(
    "value",
    ["TODO", "tbd", "dummy", "none", "null", "${STRIPE_KEY}", "sk_live_changeme", "sk_xxxxxxxxxxxx", "change_me"],
)
def test_placeholders_operators_leave_behind_are_refused(value):
    assert problems_with(STRIPE_SECRET_KEY=value) == ["STRIPE_SECRET_KEY holds a placeholder value"]


@pytest.mark.parametrize("value", ["sk_live_51Hb2aQ8kq9ZrTtYv", "sk_test_exampleish_but_real_1"])
def test_real_looking_keys_are_not_taken_for_placeholders(value):
    assert problems_with(STRIPE_SECRET_KEY=value) == []


def test_the_secret_key_must_be_at_least_32_characters_and_not_the_development_default():
    message = "SECRET_KEY must be set to a random value of at least 32 characters"
    assert problems_with(SECRET_KEY="k" * 32) == []
    assert problems_with(SECRET_KEY="k" * 31) == [message]
    assert problems_with(SECRET_KEY="dev-only-secret-key") == [message]
    assert Config(**{**vars(Config.from_env(GOOD)), "secret_key": ""}).problems() == [message]


def test_the_operator_token_must_be_at_least_24_characters():
    message = "ADMIN_API_TOKEN must be set (at least 24 characters) to protect the operator API"
    assert problems_with(ADMIN_API_TOKEN="t" * 24) == []
    assert problems_with(ADMIN_API_TOKEN="t" * 23) == [message]
    env = {k: v for k, v in GOOD.items() if k != "ADMIN_API_TOKEN"}
    assert Config.from_env(env).problems() == [message]


def test_production_books_through_calendly_over_https_on_postgresql():
    assert problems_with(SLOT_PROVIDER="local") == ["SLOT_PROVIDER must be 'calendly' in production"]
    assert problems_with(NEXT_PUBLIC_BASE_URL="http://book.example.com") == [
        "NEXT_PUBLIC_BASE_URL must be an https:// URL in production"
    ]
    assert problems_with(DATABASE_URL="postgres://booking@db/booking") == []
    assert problems_with(DATABASE_URL="mysql://booking@db/booking") == [
        "DATABASE_URL must point at PostgreSQL in production"
    ]


def test_every_problem_is_listed_in_one_refusal():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({**GOOD, "SLOT_PROVIDER": "local", "SECRET_KEY": "short"}).validate()
    assert caught.value.problems == [
        "SECRET_KEY must be set to a random value of at least 32 characters",
        "SLOT_PROVIDER must be 'calendly' in production",
    ]
    assert str(caught.value) == (
        "configuration is not usable (2 problem(s)):\n"
        "  - SECRET_KEY must be set to a random value of at least 32 characters\n"
        "  - SLOT_PROVIDER must be 'calendly' in production"
    )


@pytest.mark.parametrize("env", ["development", "test"])
def test_outside_production_nothing_is_required(env):
    Config.from_env({"APP_ENV": env}).validate()
    assert Config.from_env({"APP_ENV": env}).stripe_secret_key == ""


def test_an_unknown_slot_provider_is_refused_in_any_environment():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"APP_ENV": "development", "SLOT_PROVIDER": "google"}).validate()
    assert caught.value.problems == ["SLOT_PROVIDER must be 'local' or 'calendly', not 'google'"]
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"APP_ENV": "staging"}).validate()
    assert caught.value.problems == ["APP_ENV must be development, test or production, not 'staging'"]


@pytest.mark.parametrize(("text", "enabled"), [("0", False), ("false", False), (" No ", False), ("OFF", False)])
def test_rate_limits_can_be_switched_off_by_the_usual_words(text, enabled):
    assert Config.from_env({"RATE_LIMITS_ENABLED": text}).rate_limits_enabled is enabled


@pytest.mark.parametrize("text", ["1", "true", "yes", "on", "anything"])
def test_rate_limits_stay_on_for_anything_else(text):
    assert Config.from_env({"RATE_LIMITS_ENABLED": text}).rate_limits_enabled is True
    assert Config.from_env({}).rate_limits_enabled is True


def test_the_environment_a_launcher_writes_reads_back_as_the_same_configuration():
    config = Config.from_env({**GOOD, "RATE_LIMITS_ENABLED": "off", "PAYMENT_HOLD_MINUTES": "45", "LOG_LEVEL": "DEBUG"})
    written = config.to_env()
    assert written["APP_ENV"] == "production"
    assert written["RATE_LIMITS_ENABLED"] == "false" and written["PAYMENT_HOLD_MINUTES"] == "45"
    # Every name it writes is one the app reads back; nothing else lands in the started process's environment.
    read_back = set(BRIEF_VARIABLES) | set(SETTING_VARIABLES) | {"RATE_LIMITS_ENABLED", "PAYMENT_HOLD_MINUTES"}
    assert set(written) == read_back
    assert Config.from_env(written) == config
    assert Config.from_env(Config().to_env()).rate_limits_enabled is True
    assert Config().to_env()["RATE_LIMITS_ENABLED"] == "true"


def test_production_without_a_value_is_not_filled_with_development_defaults():
    config = Config.from_env({"APP_ENV": "production"})
    assert config.secret_key == "" and config.database_url == "" and config.public_base_url == ""
    assert Config.from_env({"APP_ENV": "development"}).database_url == "sqlite:///instance/booking.sqlite3"


def test_the_hosted_payment_page_is_stripes_or_the_simulators():
    assert Config().checkout_origin == "https://checkout.stripe.com"
    assert Config(stripe_api_base="https://api.stripe.com/").checkout_origin == "https://checkout.stripe.com"
    assert Config(stripe_api_base="http://127.0.0.1:8025/stripe").checkout_origin == "http://127.0.0.1:8025"


def test_secrets_long_enough_to_matter_are_known_for_redaction_and_nothing_else():
    config = Config(secret_key="s" * 40, stripe_secret_key="sk_12", admin_api_token="token-123", mail_from="a@b.c")
    secrets = config.secret_values()
    assert "s" * 40 in secrets and "token-123" in secrets
    assert "sk_12" not in secrets  # five characters would scrub ordinary words from every log line
    assert "a@b.c" not in secrets and "sqlite:///instance/booking.sqlite3" in secrets
    assert "sk_123" in Config(stripe_secret_key="sk_123").secret_values()


def test_without_a_mapping_the_process_environment_is_read(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("PAYMENT_HOLD_MINUTES", "12")
    config = Config.from_env()
    assert config.log_level == "DEBUG" and config.payment_hold_minutes == 12
