"""The operator's view of the webhook inbox (``GET /admin/api/webhooks``): every field of an event, and the filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app_under_test.db import get_db
from app_under_test.models import WebhookEvent
from tests.app.web_fixtures import ADMIN_TOKEN, make_web_app

pytestmark = [pytest.mark.webhook, pytest.mark.database]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _store(app, **fields) -> int:
    with app.app_context(), get_db().transaction() as session:
        row = WebhookEvent(payload="{}", **fields)
        session.add(row)
        session.flush()
        return row.id


def test_the_operator_sees_each_event_with_its_state_and_times_and_can_filter(db_url):
    app = make_web_app(db_url)
    try:
        retrying = _store(
            app,
            provider="stripe",
            dedupe_key="stripe:evt_1",
            event_type="checkout.session.completed",
            status="retry",
            attempts=2,
            last_error="OperationalError: database is locked",
            received_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
            next_attempt_at=datetime(2027, 3, 1, 9, 5, 30, tzinfo=UTC),
        )
        done = _store(
            app,
            provider="calendly",
            dedupe_key="calendly:inv_1:invitee.created",
            event_type="invitee.created",
            status="processed",
            attempts=1,
            received_at=datetime(2027, 3, 1, 10, 0, tzinfo=UTC),
        )
        client = app.test_client()
        listed = client.get("/admin/api/webhooks", headers=AUTH).get_json()["events"]
        assert listed == [
            {
                "id": retrying,
                "provider": "stripe",
                "event_type": "checkout.session.completed",
                "dedupe_key": "stripe:evt_1",
                "status": "retry",
                "attempts": 2,
                "last_error": "OperationalError: database is locked",
                "received_at": "2027-03-01T09:00:00Z",
                "next_attempt_at": "2027-03-01T09:05:30Z",
            },
            {
                "id": done,
                "provider": "calendly",
                "event_type": "invitee.created",
                "dedupe_key": "calendly:inv_1:invitee.created",
                "status": "processed",
                "attempts": 1,
                "last_error": None,
                "received_at": "2027-03-01T10:00:00Z",
                "next_attempt_at": None,
            },
        ]
        for query, expected in [
            ({"status": "retry"}, [retrying]),
            ({"provider": "calendly"}, [done]),
            ({"event_type": "checkout.session.completed"}, [retrying]),
            ({"provider": "stripe", "status": "processed"}, []),
        ]:
            events = client.get("/admin/api/webhooks", query_string=query, headers=AUTH).get_json()["events"]
            assert [event["id"] for event in events] == expected, query
    finally:
        app.extensions["booking_db"].dispose()
