"""The Calendly simulator against the booking service's pacts (API and webhooks).

The pact files are the ones this session regenerated from the app's code
(identical to ``contracts/pacts/`` unless the drift check fails). Results are
written to ``reports/pact-verification/`` for the deploy gate. The second test
of each pair breaks the simulator's own payload builder and shows the
verification catches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.provider.targets import TARGETS
from contracts.support.names import CALENDLY_API, CALENDLY_WEBHOOKS, CONSUMER, pact_file_name
from contracts.support.verification import explain, verify_pact, write_report

pytestmark = [pytest.mark.contract, pytest.mark.calendly]


def pact_for(folder: Path, provider: str) -> Path:
    path = folder / pact_file_name(CONSUMER, provider)
    assert path.exists(), f"no pact for {provider}: its consumer cases failed or wrote nothing (see their tests)"
    return path


def verify(folder: Path, provider: str, simulators):
    with TARGETS[provider](simulators) as target:
        return verify_pact(pact_for(folder, provider), **target)


def test_the_calendly_simulator_honours_the_api_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, CALENDLY_API, simulators)
    write_report(report)
    assert report.success, explain(report)


def test_an_invitee_resource_missing_a_field_the_app_reads_fails_verification(
    simulators, regenerated_pacts, monkeypatch
):
    from simulators.calendly import resources

    original = resources.invitee

    def without_tracking(state, value):
        body = original(state, value)
        body["utm"] = body.pop("tracking")  # a renamed field: the app reads tracking.utm_content
        return body

    monkeypatch.setattr(resources, "invitee", without_tracking)
    report = verify(regenerated_pacts, CALENDLY_API, simulators)

    assert not report.success
    assert "an invitee as Calendly holds it now" in report.failures()
    assert "available times of an event type" not in report.failures()


def test_the_calendly_simulator_honours_the_webhook_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, CALENDLY_WEBHOOKS, simulators)
    write_report(report)
    assert report.success, explain(report)
    assert report.pending_failures() == []


def test_a_webhook_payload_missing_a_block_the_app_reads_fails_verification(simulators, regenerated_pacts, monkeypatch):
    from simulators.calendly import events

    original = events.invitee_payload

    def without_scheduled_event(state, invitee):
        body = original(state, invitee)
        del body["scheduled_event"]  # the app reads start, end and event type from it
        return body

    monkeypatch.setattr(events, "invitee_payload", without_scheduled_event)
    report = verify(regenerated_pacts, CALENDLY_WEBHOOKS, simulators)

    assert not report.success
    assert "invitee_no_show.created" in report.failures()
    assert "routing_form_submission.created, without booking" not in report.failures()
