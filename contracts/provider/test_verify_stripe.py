"""The Stripe simulator against the booking service's pacts (API and webhooks).

Same shape as the Calendly verification: the pacts this session regenerated,
results written for the deploy gate, and for each pact a simulator builder
broken on purpose that verification must catch.
"""

from __future__ import annotations

import pytest

from contracts.provider.test_verify_calendly import verify
from contracts.support.names import STRIPE_API, STRIPE_WEBHOOKS
from contracts.support.verification import explain, write_report

pytestmark = [pytest.mark.contract, pytest.mark.stripe]


def test_the_stripe_simulator_honours_the_api_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, STRIPE_API, simulators)
    write_report(report)
    assert report.success, explain(report)


def test_the_stripe_simulator_honours_the_webhook_pact(simulators, regenerated_pacts):
    report = verify(regenerated_pacts, STRIPE_WEBHOOKS, simulators)
    write_report(report)
    assert report.success, explain(report)
    assert report.pending_failures() == []


def test_a_refund_missing_a_field_the_app_reads_fails_verification(simulators, regenerated_pacts, monkeypatch):
    from simulators.stripe import objects

    original = objects.refund

    def without_metadata(**fields):
        body = original(**fields)
        body["refund_metadata"] = body.pop("metadata")  # a renamed field: the app matches refunds by metadata
        return body

    monkeypatch.setattr(objects, "refund", without_metadata)
    report = verify(regenerated_pacts, STRIPE_API, simulators)

    assert not report.success
    assert "refund a paid checkout session in full" in report.failures()
    assert "create a checkout session for a held booking" not in report.failures()


def test_a_charge_missing_a_block_the_app_reads_fails_verification(simulators, regenerated_pacts, monkeypatch):
    from simulators.stripe import objects

    original = objects.charge

    def without_method_details(**fields):
        body = original(**fields)
        del body["payment_method_details"]  # the app reads the card's last four digits from it
        return body

    monkeypatch.setattr(objects, "charge", without_method_details)
    report = verify(regenerated_pacts, STRIPE_WEBHOOKS, simulators)

    assert not report.success
    assert "charge.succeeded, by card" in report.failures()
    assert "checkout.session.expired" not in report.failures()
