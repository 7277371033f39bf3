"""Every consumer contract case, by boundary. A module listed here contributes its ``CASES``."""

from __future__ import annotations

import importlib

from contracts.support.cases import Case

CASE_MODULES: tuple[str, ...] = (
    "calendly_api_cases",
    "calendly_webhook_cases",
    "stripe_api_cases",
    "stripe_webhook_cases",
    "sendgrid_api_cases",
    "sendgrid_webhook_cases",
)


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for name in CASE_MODULES:
        cases.extend(importlib.import_module(f"contracts.consumer.{name}").CASES)
    return cases
