"""The hold sweep (``flask payments expire-holds``, cron every minute) as the operator sees it: its JSON report
and its log, for a hold still waiting on a bank debit and for a booking whose sweep fails."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import responses
from sqlalchemy import select
from structlog.testing import capture_logs

from app_under_test.db import get_db
from app_under_test.models import Booking
from app_under_test.payments import settlement
from tests.app.log_capture import info_logs
from tests.app.payments_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    control,
    held_booking,
    pay_in_euros,
    payments_app,
    state_of,
    stripe_server,
)

pytestmark = [pytest.mark.stripe, pytest.mark.database]


def _after_hold(booking_id: str) -> str:
    """An instant one minute after the booking's hold ends, as the command's --as-of takes it."""
    with get_db().reader() as session:
        held_until = session.scalar(select(Booking.hold_expires_at).where(Booking.public_id == booking_id))
    assert held_until is not None
    return (held_until + timedelta(minutes=1)).replace(microsecond=0).isoformat()  # the JSON shows whole seconds


def _sweep(app, as_of: str) -> dict:
    result = app.test_cli_runner().invoke(args=["payments", "expire-holds", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # the report on stdout; the log lines go to stderr


def test_the_sweep_reports_a_hold_kept_for_a_bank_debit_still_processing(payments_app, stripe_server):
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with control(stripe_server) as client:  # the client pays by bank debit: complete, not yet paid
            paid = client.post(f"/checkout/sessions/{session_id}/pay", json={"payment_method": "us_bank_account"})
            assert paid.status_code == 200, paid.text

        report = _sweep(payments_app, _after_hold(booking_id))

        assert report == {
            "released": [],
            "confirmed": [],
            "refused": [],
            "kept": [booking_id],  # the operator sees why this overdue hold was not released
            "released_without_stripe": [],
            "errors": [],
        }
        assert state_of(booking_id)["status"] == "pending_payment"


def test_a_booking_whose_sweep_fails_is_logged_and_reported_and_the_others_are_still_released(
    payments_app, stripe_server, monkeypatch
):
    with payments_app.app_context():
        failing, _ = held_booking(payments_app)
        released, _ = held_booking(payments_app)
        release_hold = settlement.release_hold

        def calendar_down_for_one(session, booking, **kwargs):
            if booking.public_id == failing:
                raise RuntimeError("calendar unavailable")
            release_hold(session, booking, **kwargs)

        monkeypatch.setattr(settlement, "release_hold", calendar_down_for_one)
        with capture_logs() as logs:
            report = _sweep(payments_app, max(_after_hold(failing), _after_hold(released)))

        assert report["released"] == [released]
        [error] = report["errors"]
        assert error.endswith("RuntimeError: calendar unavailable")
        # the line an operator's alert matches on, naming the booking that needs a look
        [failure] = [line for line in logs if line["log_level"] == "error"]
        assert failure["event"] == "hold_sweep_failed" and failure["exc_info"] is True
        with get_db().reader() as session:
            assert failure["booking_id"] == session.scalar(select(Booking.id).where(Booking.public_id == failing))
        assert state_of(failing)["status"] == "pending_payment" and state_of(released)["status"] == "expired"


def test_a_hold_whose_checkout_stripe_cannot_describe_is_released_without_stripe_as_of_the_sweep(
    payments_app, stripe_server
):
    """The session is complete (a bank debit), so Stripe refuses to expire it, and asking Stripe what it is
    fails (503): the sweep releases the hold as without Stripe, at the sweep's instant."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with control(stripe_server) as client:
            paid = client.post(f"/checkout/sessions/{session_id}/pay", json={"payment_method": "us_bank_account"})
            assert paid.status_code == 200, paid.text
            fault = {"method": "GET", "path": "/v1/checkout/sessions/*", "response": "503", "times": None}
            assert client.post("/faults", json=fault).status_code == 201
        as_of = _after_hold(booking_id)
        try:
            report = _sweep(payments_app, as_of)
        finally:
            with control(stripe_server) as client:
                client.delete("/faults")

        assert report["released_without_stripe"] == [booking_id] and report["errors"] == []
        assert state_of(booking_id)["status"] == "expired"
    booking = payments_app.test_client().get(f"/api/v1/bookings/{booking_id}").get_json()
    assert datetime.fromisoformat(booking["status_changed_at"].replace("Z", "+00:00")) == datetime.fromisoformat(
        as_of
    )  # the instant the operator's sweep ran as, not the wall clock


def test_a_hold_paid_without_its_webhook_is_confirmed_by_the_sweep_as_of_the_sweeps_instant(
    payments_app, stripe_server
):
    """The client paid by card but Stripe's events never arrived: the sweep finds the session paid and confirms
    the booking, recording the change at the instant the operator's sweep ran as, not the wall clock."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with control(stripe_server) as client:
            paid = client.post(f"/checkout/sessions/{session_id}/pay", json={"card": "4242424242424242"})
            assert paid.status_code == 200, paid.text
        as_of = _after_hold(booking_id)

        report = _sweep(payments_app, as_of)

        assert report["confirmed"] == [booking_id] and report["errors"] == []
        assert state_of(booking_id)["status"] == "confirmed"
    booking = payments_app.test_client().get(f"/api/v1/bookings/{booking_id}").get_json()
    assert datetime.fromisoformat(booking["status_changed_at"].replace("Z", "+00:00")) == datetime.fromisoformat(as_of)


def test_a_hold_paid_in_another_amount_without_its_webhook_is_canceled_by_the_sweep_as_of_the_sweeps_instant(
    payments_app, stripe_server
):
    """The client paid in euros, not the session's pounds, and Stripe's events never arrived: the sweep finds the
    session paid with the wrong amount, refunds it in full and cancels the booking with the reason that says so,
    recording the cancellation at the instant the operator's sweep ran as, not the wall clock."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        pay_in_euros(stripe_server, session_id)
        as_of = _after_hold(booking_id)

        report = _sweep(payments_app, as_of)

        assert report["refused"] == [booking_id] and report["errors"] == []
        state = state_of(booking_id)
        assert state["status"] == "canceled"
        assert state["refunds"] == [("amount_mismatch", "succeeded", 5265)]  # all of what was taken goes back
    booking = payments_app.test_client().get(f"/api/v1/bookings/{booking_id}").get_json()
    assert booking["cancel_reason"].startswith("Stripe took €52.65 where this session costs £45.00")
    assert datetime.fromisoformat(booking["status_changed_at"].replace("Z", "+00:00")) == datetime.fromisoformat(as_of)


def test_a_checkout_stripe_stops_describing_midway_keeps_the_hold_and_names_the_session_in_the_log(
    payments_app, stripe_server
):
    """Stripe refuses to expire a complete session (a bank debit) and says it is complete, then fails when the
    sweep asks for its payment: the hold is kept (money may be on its way) and the operator's warning names the
    session the sweep could not reconcile."""
    with payments_app.app_context():
        booking_id, session_id = held_booking(payments_app)
        with control(stripe_server) as client:
            paid = client.post(f"/checkout/sessions/{session_id}/pay", json={"payment_method": "us_bank_account"})
            assert paid.status_code == 200, paid.text
        as_of = _after_hold(booking_id)
        with responses.RequestsMock() as stripe_api, info_logs() as logs:
            stripe_api.add_passthru(stripe_server.url)
            described = f"{stripe_server.url}/stripe/v1/checkout/sessions/{session_id}"
            stripe_api.add(responses.PassthroughResponse(responses.GET, described))  # the first look: complete
            stripe_api.get(  # then Stripe is down, and says a retry will not help
                described,
                status=503,
                json={"error": {"type": "api_error", "message": "Stripe is down"}},
                headers={"Stripe-Should-Retry": "false"},
            )
            report = _sweep(payments_app, as_of)

        assert report["kept"] == [booking_id] and report["errors"] == []
        assert state_of(booking_id)["status"] == "pending_payment"
        [warning] = [line for line in logs if line["log_level"] == "warning"]
        assert (warning["event"], warning["checkout_session"]) == ("checkout_not_reconciled", session_id)
        assert "Stripe is down" in warning["error"]
