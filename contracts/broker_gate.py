"""The deploy gate's broker mode: verify every provider against the pacts a Pact Broker holds.

pact-python 4 has no can-i-deploy call of its own; its broker support is the
verifier's broker source (and publishing results back). So with a broker the
gate fetches the consumer's pacts through ``Verifier.broker_source`` (the
latest of ``branch``, or the latest overall), verifies each simulator exactly
as the provider tests do (``contracts.provider.targets``), optionally publishes
the results, and answers from that run. Credentials come from
``PACT_BROKER_TOKEN`` or ``PACT_BROKER_USERNAME``/``PACT_BROKER_PASSWORD``.
"""

from __future__ import annotations

from contracts.can_i_deploy import Row
from contracts.support.names import CONSUMER
from contracts.support.verification import run_verifier
from contracts.support.versions import git_commit


def broker_matrix(broker_url: str, *, branch: str | None = None, publish: bool = False) -> list[Row]:
    from pact import Verifier

    from contracts.provider.targets import TARGETS
    from harness.simulator import start_simulator

    simulator = start_simulator(seed=1)
    rows: list[Row] = []
    try:
        for provider, target in TARGETS.items():
            verifier = Verifier(provider, host="127.0.0.1")
            selection = verifier.broker_source(broker_url, selector=True)
            if branch:
                selection.consumer_version(consumer=CONSUMER, branch=branch)
            else:
                selection.consumer_version(consumer=CONSUMER, latest=True)
            selection.build()
            if publish:
                verifier.set_publish_options(version=git_commit() or "unknown")
            with target(simulator) as kwargs:
                passed, results, output = run_verifier(verifier, **kwargs)
            outcomes = results.get("interactionResults", [])
            failing = [r["description"] for r in outcomes if r.get("result") != "OK" and not r.get("pending")]
            if passed and outcomes:
                detail = "verified against the broker's pacts"
            elif failing:
                detail = f"{len(failing)} failing: " + "; ".join(failing)
            elif not outcomes:
                errors = results.get("errors") or [output.strip()[-300:]]
                detail = f"no pacts fetched or the verification did not run: {str(errors[0])[:300]}"
            else:
                detail = "the verification run failed"
            rows.append(
                Row(CONSUMER, branch or "latest", provider, len(outcomes), passed and bool(outcomes), str(detail))
            )
    finally:
        simulator.stop()
    return rows
