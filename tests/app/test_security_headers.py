"""Every answer carries the security headers; production adds HSTS over HTTPS; inline scripts carry the nonce."""

from __future__ import annotations

import re

import pytest

from app_under_test import create_app
from app_under_test.config import Config
from tests.app.web_fixtures import FREE_PATH, browser, web_app  # noqa: F401 (pytest fixtures, used by name)

pytestmark = pytest.mark.database


def _production_env() -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "ADMIN_API_TOKEN": "t" * 30,
        "SLOT_PROVIDER": "calendly",
        "DATABASE_URL": "postgresql://app@db.internal/booking",
        "NEXT_PUBLIC_BASE_URL": "https://book.example.com",
        "CALENDLY_API_TOKEN": "cal-token-live-123",
        "CALENDLY_USERNAME": "ada",
        "CALENDLY_WEBHOOK_SIGNING_KEY": "cal-signing-key-live",
        "STRIPE_SECRET_KEY": "sk_live_abc123def456",
        "STRIPE_WEBHOOK_SECRET": "whsec_abc123def456",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_abc123def456",
        "SENDGRID_API_KEY": "SG.abc123def456",
        "SENDGRID_BOOKING_TEMPLATE_ID": "d-abc123def456",
    }


@pytest.mark.parametrize(
    "path",
    ["/", FREE_PATH, "/signin", "/signup", "/api/v1/bookings/nope", "/healthz", "/admin/api/stats", "/no-such-page"],
)
def test_every_answer_carries_the_security_headers(browser, path):
    headers = browser.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # a test server speaks plain HTTP


def test_forms_may_lead_only_here_and_to_the_payment_page(browser, web_app):
    policy = browser.get("/").headers["Content-Security-Policy"]
    form_action = re.search(r"form-action ([^;]+)", policy).group(1).split()
    assert form_action == ["'self'", web_app.extensions["booking_config"].checkout_origin]


def test_inline_scripts_carry_this_answers_nonce(browser):
    response = browser.get(FREE_PATH, query_string={"tz": "UTC"})
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in attributes for attributes in scripts)
    assert browser.get(FREE_PATH).headers["Content-Security-Policy"] != response.headers["Content-Security-Policy"]


def test_production_sends_hsts_over_https_and_points_forms_at_stripe(tmp_path):
    config = Config.from_env(_production_env())
    app = create_app(config)
    response = app.test_client().get("/healthz", base_url="https://book.example.com")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "form-action 'self' https://checkout.stripe.com" in response.headers["Content-Security-Policy"]


def _directives(policy: str) -> dict[str, str]:
    return {
        name: value for name, _, value in (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    }


def test_the_content_security_policy_is_exactly_this_sites_own(browser, web_app):
    response = browser.get("/")
    directives = _directives(response.headers["Content-Security-Policy"])
    nonce = re.fullmatch(r"'self' 'nonce-([^']+)'", directives.pop("script-src"))
    assert nonce
    assert directives == {
        "default-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "form-action": f"'self' {web_app.extensions['booking_config'].checkout_origin}",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }


def test_camera_microphone_geolocation_and_payment_are_refused_to_every_page(browser):
    policy = browser.get("/").headers["Permissions-Policy"]
    assert sorted(part.strip() for part in policy.split(",")) == [
        "camera=()",
        "geolocation=()",
        "microphone=()",
        "payment=()",
    ]


def test_production_hsts_covers_subdomains_for_a_year():
    app = create_app(Config.from_env(_production_env()))
    response = app.test_client().get("/healthz", base_url="https://book.example.com")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _session_cookie_attributes(response) -> dict[str, str]:
    """The attributes of the one session cookie the answer sets: {"httponly": "", "samesite": "Lax", ...}."""
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    pairs = (part.strip().partition("=") for part in cookies[0].split(";")[1:])
    return {name.lower(): value for name, _, value in pairs}


def test_the_session_cookie_is_hidden_from_scripts_and_not_sent_by_other_sites(browser):
    attributes = _session_cookie_attributes(browser.get("/signin"))  # the form's CSRF token starts a session
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    assert "secure" not in attributes  # a test server speaks plain HTTP


def test_production_sends_the_session_cookie_over_https_only():
    app = create_app(Config.from_env(_production_env()))
    attributes = _session_cookie_attributes(app.test_client().get("/signin", base_url="https://book.example.com"))
    assert "secure" in attributes and "httponly" in attributes and attributes["samesite"] == "Lax"
