"""Pacticipant names and where pact files and verification results live.

One pact file per (consumer, provider) pair. HTTP APIs and webhooks are separate
providers because they are verified differently: an API by replaying requests
against the simulator, a webhook by asking the simulator to produce the message.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACTS_DIR = ROOT / "contracts" / "pacts"
# git-ignored, like every report; PACT_RESULTS_DIR moves it (a CI job writing or reading an artefact)
RESULTS_DIR = Path(os.environ.get("PACT_RESULTS_DIR") or ROOT / "reports" / "pact-verification")
# what writes the verification results (the provider tests), named where results are missing
VERIFY_COMMAND = "harness test contracts/provider"

CONSUMER = "booking-service"

STRIPE_API = "stripe-api"
STRIPE_WEBHOOKS = "stripe-webhooks"
CALENDLY_API = "calendly-api"
CALENDLY_WEBHOOKS = "calendly-webhooks"
SENDGRID_API = "sendgrid-api"
SENDGRID_WEBHOOKS = "sendgrid-webhooks"

UPDATE_VARIABLE = "PACT_UPDATE"  # PACT_UPDATE=1 accepts regenerated pact files into contracts/pacts/
ACCEPT_COMMAND = f"{UPDATE_VARIABLE}=1 make test   (or: {UPDATE_VARIABLE}=1 .venv/bin/python -m pytest contracts)"


def pact_file_name(consumer: str, provider: str) -> str:
    """The name the Pact library gives the file of this pair."""
    return f"{consumer}-{provider}.json"
