"""Stripe's own description as a test suite for the Stripe simulator (Schemathesis).

For every operation the simulator implements, Schemathesis generates requests
from Stripe's description, positive and negative; every JSON answer must
match the operation's response schema strictly (``schemathesis_run``). The
budget is small in the normal run (3 examples per operation and mode, about
five seconds); ``FIDELITY_SCHEMATHESIS_EXAMPLES=100`` is the nightly depth.
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")
from contracts.fidelity.schemathesis_run import MODES, exercise, operations

pytestmark = [pytest.mark.contract, pytest.mark.stripe]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation", operations(), ids=lambda op: op.label)
def test_the_simulator_answers_as_stripes_description_says(operation, mode, simulators):
    seen = exercise(operation, mode, f"{simulators.url}/stripe")
    assert sum(seen.values()) > 0, "Schemathesis generated no request"


def test_an_answer_outside_the_description_fails(simulators, monkeypatch):
    import contracts.fidelity.schemathesis_run as run

    [events] = [op for op in operations() if op.label == "GET /v1/events"]
    monkeypatch.setattr(run, "_problems", lambda body, schema: ["data: pretend the list is wrong"])
    with pytest.raises(AssertionError, match="pretend the list is wrong"):
        exercise(events, "positive", f"{simulators.url}/stripe")
