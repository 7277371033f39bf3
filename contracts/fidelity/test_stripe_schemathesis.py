"""Stripe's own description as a test suite for the Stripe simulator (Schemathesis).

For every operation the simulator implements, Schemathesis generates requests
from Stripe's description: positive ones (valid by the description) and
negative ones (breaking it). Every JSON answer must match the operation's
response schema in that description, strictly (``contracts/fidelity``), so a
refusal must be Stripe's error object; positive requests must never make the
simulator fail (5xx). Deterministic: Hypothesis derandomized, no example
database. The budget is small in the normal run; set
``FIDELITY_SCHEMATHESIS_EXAMPLES`` (per operation and mode, default 3) for a
deeper nightly run.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from contracts.fidelity.stripe_check import DESCRIPTION, _problems, _response_schema  # noqa: E402
from contracts.fidelity.stripe_probe import Answer  # noqa: E402
from contracts.fidelity.validate import load  # noqa: E402

pytestmark = [pytest.mark.contract, pytest.mark.stripe]

EXAMPLES = int(os.environ.get("FIDELITY_SCHEMATHESIS_EXAMPLES", "3"))
SCHEMA = schemathesis.openapi.from_dict(load(DESCRIPTION))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
URL_TOO_LONG = 414  # refused by the HTTP server before the simulator sees it (see docs/fidelity.md)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_simulator_answers_as_stripes_description_says(operation, mode, simulators):
    seen: list[int] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def answers_conform(case):
        response = case.call(base_url=f"{simulators.url}/stripe", headers={"Authorization": "Bearer sk_test_st"})
        seen.append(response.status_code)
        if response.status_code == URL_TOO_LONG:
            return
        assert response.status_code < 500, response.text[:300]
        answer = Answer(operation.method.lower(), operation.path, response.status_code, response.json())
        assert _problems(answer.body, _response_schema(answer)[1]) == [], (case.path_parameters, case.query)

    answers_conform()
    assert seen, "Schemathesis generated no request"
