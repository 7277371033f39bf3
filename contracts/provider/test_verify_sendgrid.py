"""The SendGrid simulator against the booking service's pacts (Mail Send and the Event Webhook).

Same shape as the Calendly and Stripe verifications: the pacts this session
regenerated, results written for the deploy gate, and for each pact a
simulator answer or payload builder broken on purpose that verification must
catch.
"""

from __future__ import annotations

import pytest

from contracts.provider.test_verify_calendly import verify
from contracts.support.names import SENDGRID_API, SENDGRID_WEBHOOKS
from contracts.support.verification import explain, write_report

pytestmark = [pytest.mark.contract, pytest.mark.email]


def test_the_sendgrid_simulator_honours_the_mail_send_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, SENDGRID_API, simulators)
    write_report(report)
    assert report.success, explain(report)


def test_an_error_body_missing_the_field_the_app_reads_fails_verification(simulators, regenerated_pacts, monkeypatch):
    from simulators.sendgrid import responses

    original = responses.errors_response

    def without_field(status, errors, headers=None):
        items = [e.to_dict() if hasattr(e, "to_dict") else dict(e) for e in errors]
        for item in items:
            item.pop("field", None)  # the app names the field in the error it records
        return original(status, items, headers)

    monkeypatch.setattr(responses, "errors_response", without_field)
    report = verify(regenerated_pacts, SENDGRID_API, simulators)

    assert not report.success
    assert "send a mail naming a template SendGrid does not have" in report.failures()
    assert "send a booking confirmation with a dynamic template" not in report.failures()


def test_the_sendgrid_simulator_honours_the_event_webhook_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, SENDGRID_WEBHOOKS, simulators)
    write_report(report)
    assert report.success, explain(report)
    assert report.pending_failures() == []


def test_a_drop_without_the_reason_the_app_reads_fails_verification(simulators, regenerated_pacts, monkeypatch):
    from simulators.sendgrid import events

    original = events.details

    def drop_without_reason(kind, outcome):
        fields = original(kind, outcome)
        if kind == "dropped":
            del fields["reason"]  # the app tells a bounced address from other drops by it
        return fields

    monkeypatch.setattr(events, "details", drop_without_reason)
    report = verify(regenerated_pacts, SENDGRID_WEBHOOKS, simulators)

    assert not report.success
    assert "dropped, the address bounced before" in report.failures()
    assert "bounce, the receiving server refused the address" not in report.failures()
