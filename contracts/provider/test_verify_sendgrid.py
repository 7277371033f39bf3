"""The SendGrid simulator against the booking service's Mail Send pact.

Same shape as the Calendly and Stripe verifications: the pact this session
regenerated, the result written for the deploy gate, and a simulator answer
broken on purpose that verification must catch.
"""

from __future__ import annotations

import pytest

from contracts.provider.test_verify_calendly import verify
from contracts.support.names import SENDGRID_API
from contracts.support.verification import explain, write_report

pytestmark = [pytest.mark.contract, pytest.mark.email]


def test_the_sendgrid_simulator_honours_the_mail_send_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, SENDGRID_API, simulators)
    write_report(report)
    assert report.success, explain(report)


def test_an_error_body_missing_the_field_the_app_reads_fails_verification(
        simulators, regenerated_pacts, monkeypatch):
    from simulators.sendgrid import responses  # noqa: PLC0415

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

