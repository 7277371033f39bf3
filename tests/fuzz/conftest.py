"""The fuzzers' budget: small in the normal run, ``FUZZ_PROFILE=deep`` for nightly runs (docs/testing.md).

Each fuzz test records how many requests it sent (``harness.fuzz_report.record_fuzz_requests``),
and the tally is printed at the end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings


@dataclass(frozen=True)
class FuzzBudget:
    name: str
    examples_per_operation: int  # Schemathesis, per operation and generation mode
    stateful_examples: int
    stateful_steps: int
    form_examples: int  # Hypothesis, per form or query string


PROFILES = {
    "small": FuzzBudget("small", examples_per_operation=10, stateful_examples=10, stateful_steps=8, form_examples=50),
    "deep": FuzzBudget("deep", examples_per_operation=150, stateful_examples=60, stateful_steps=12, form_examples=1500),
}


def fuzz_budget() -> FuzzBudget:
    name = os.environ.get("FUZZ_PROFILE", "small")
    if name not in PROFILES:
        raise pytest.UsageError(f"FUZZ_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
    return PROFILES[name]


def hypothesis_settings(max_examples: int, **extra) -> settings:
    """Seeded (``derandomize``): a failure found once is found again by the same command."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        **extra,
    )
