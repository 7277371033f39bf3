"""The app the fuzzers attack: unserved (Flask's test client, in-process), on a scenario database, seeded.

No provider is configured, so operator routes that would call Stripe or Calendly answer their
documented 409; everything else runs for real. Rate limits stay on with their production values.
"""

from __future__ import annotations

from pathlib import Path

import yaml

import app_under_test
from tests.app.web_fixtures import ADMIN_TOKEN, make_web_app

SPEC_PATH = Path(app_under_test.__file__).parent / "openapi.yaml"
OPERATOR_AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def fuzzed_app(db_url: str):
    return make_web_app(db_url, stripe_secret_key="", stripe_api_base="https://api.stripe.com")


def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())
