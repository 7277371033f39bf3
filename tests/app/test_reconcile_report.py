"""The report ``booking-app calendly reconcile`` prints for the operator: the window, what was checked,
each change made, and each problem left for a person (an active booking Calendly no longer lists)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.models import Booking
from tests.app.test_calendly_commands import (  # noqa: F401 (app and sim are pytest fixtures, used by name)
    app,
    book_at_calendly,
    invoke,
    sim,
)

pytestmark = [pytest.mark.calendly, pytest.mark.database]


def test_the_report_names_the_window_each_change_and_each_booking_calendly_no_longer_lists(app):
    book_at_calendly(app)
    window_from = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    window_to = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    args = ("reconcile", "--from", window_from.isoformat(), "--to", window_to.isoformat())
    code, output = invoke(app, *args)
    report = json.loads(output)
    assert code == 0, output
    assert report["from"] == window_from.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert report["to"] == window_to.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert report["invitees_checked"] == 1 and report["problems"] == []
    assert [change["action"] for change in report["changes"]] == ["created"]
    with app.app_context(), get_db().transaction() as session:
        booking = session.scalar(select(Booking))
        public_id = booking.public_id
        assert report["changes"][0]["booking"] == public_id
        booking.calendly_invitee_uri = "https://api.calendly.com/scheduled_events/GONE/invitees/GONE"
    code, output = invoke(app, *args)
    again = json.loads(output)
    assert code == 0 and again["invitees_checked"] == 1
    # the invitee Calendly lists now looks new here, and its time is taken by the booking that lost its link
    overlap, missing = again["problems"]
    assert overlap["problem"] == "cannot_apply" and overlap["detail"].endswith(
        "for grace@example.com, but that time overlaps another booking of ada-stone here"
    )
    assert [missing] == [
        {
            "problem": "missing_on_calendly",
            "booking": public_id,
            "invitee": "https://api.calendly.com/scheduled_events/GONE/invitees/GONE",
            "detail": "active here, but Calendly lists no such invitee in the window",
        }
    ]
    code, output = invoke(
        app, "reconcile", "--from", window_to.isoformat(), "--to", (window_to + timedelta(days=1)).isoformat()
    )
    later = json.loads(output)
    assert code == 0 and later["invitees_checked"] == 0 and later["changes"] == [] and later["problems"] == []


def test_the_report_counts_every_invitee_it_checked(app):
    first, second = book_at_calendly(app), book_at_calendly(app)  # two times, two invitees on Calendly
    assert first != second
    code, output = invoke(app, "reconcile")
    report = json.loads(output)
    assert code == 0, output
    assert report["invitees_checked"] == 2
    assert [change["action"] for change in report["changes"]] == ["created", "created"]
