"""Stripe's description as generated requests against the Stripe simulator (Schemathesis), and their tally.

``operations()`` are the operations of ``stripe.subset.openapi.json`` (the
ones the simulator implements); ``exercise`` sends Schemathesis' examples for
one of them, positive (valid by the description) or negative (breaking it),
and checks each JSON answer against the operation's response schema,
strictly: a success must be the described object, a refusal Stripe's error
object, and nothing may fail with a 5xx. Deterministic: Hypothesis is
derandomized and keeps no example database. ``tally`` runs them all for the
fidelity table.
"""

from __future__ import annotations

import os
from collections import Counter
from functools import cache
from typing import Any

import httpx

from contracts.fidelity.stripe_check import DESCRIPTION, _problems, _response_schema
from contracts.fidelity.stripe_probe import Answer
from contracts.fidelity.validate import load

EXAMPLES = int(os.environ.get("FIDELITY_SCHEMATHESIS_EXAMPLES", "3"))  # per operation and mode
URL_TOO_LONG = 414  # refused by the HTTP server before the simulator sees it (see docs/fidelity.md)
MODES = ("positive", "negative")


@cache
def operations() -> list[Any]:
    import schemathesis

    return [result.ok() for result in schemathesis.openapi.from_dict(load(DESCRIPTION)).get_all_operations()]


def exercise(operation: Any, mode: str, api_base: str, examples: int = EXAMPLES) -> Counter:
    """Send the examples; raise AssertionError on the first answer that breaks the description. Returns the
    statuses seen (414s counted apart, as ``"414"``)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.generation import GenerationMode

    seen: Counter = Counter()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=GenerationMode(mode)))
    def answers_conform(case: Any) -> None:
        response = case.call(base_url=api_base, headers={"Authorization": "Bearer sk_test_schemathesis"})
        if response.status_code == URL_TOO_LONG:
            seen["414"] += 1
            return
        seen[response.status_code] += 1
        assert response.status_code < 500, response.text[:300]
        answer = Answer(operation.method.lower(), operation.path, response.status_code, response.json())
        problems = _problems(answer.body, _response_schema(answer)[1])
        assert problems == [], (operation.label, mode, case.path_parameters, case.query, problems)

    answers_conform()
    return seen


def tally(simulator_url: str, examples: int = EXAMPLES) -> dict[str, Counter]:
    """Statuses per mode over every operation (``simulator_url`` is reset first, for a repeatable table)."""
    httpx.post(f"{simulator_url}/_sim/reset", json={"seed": 18}, timeout=30).raise_for_status()
    return {
        mode: sum((exercise(op, mode, f"{simulator_url}/stripe", examples) for op in operations()), Counter())
        for mode in MODES
    }
