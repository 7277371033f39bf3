"""The operator's view of the outbox (``GET /admin/api/mail``): every field of a mail, and the filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app_under_test.db import get_db
from app_under_test.models import Booking, OutboxMessage
from tests.app.web_fixtures import ADMIN_TOKEN, book_free, make_web_app

pytestmark = [pytest.mark.email, pytest.mark.database]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_the_operator_sees_each_mail_with_its_booking_state_and_times(db_url):
    app = make_web_app(
        db_url,
        sendgrid_api_key="SG.never.called",
        sendgrid_api_base="http://127.0.0.1:9",
        sendgrid_booking_template_id="d-booking",
    )
    client = app.test_client()
    assert book_free(client).status_code in (200, 303)
    with app.app_context(), get_db().transaction() as session:
        public_id = session.scalar(select(Booking.public_id))
        row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        row.status, row.attempts, row.last_error = "retry", 2, "SendGrid answered 503: busy"
        row.created_at = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
        row.next_attempt_at = datetime(2027, 3, 1, 9, 5, tzinfo=UTC)
        row.sent_at, row.provider_message_id = None, None
        expected_id, key, recipient = row.id, row.idempotency_key, row.recipient
    listed = client.get("/admin/api/mail", headers=AUTH).get_json()["messages"]
    first = next(m for m in listed if m["id"] == expected_id)
    assert first == {
        "id": expected_id,
        "idempotency_key": key,
        "kind": "confirmation",
        "booking": public_id,
        "recipient": recipient,
        "template_id": "d-booking",
        "status": "retry",
        "attempts": 2,
        "last_error": "SendGrid answered 503: busy",
        "provider_message_id": None,
        "created_at": "2027-03-01T09:00:00Z",
        "sent_at": None,
        "next_attempt_at": "2027-03-01T09:05:00Z",
    }
    with app.app_context(), get_db().transaction() as session:
        row = session.get(OutboxMessage, expected_id)
        row.status, row.sent_at, row.provider_message_id = "sent", datetime(2027, 3, 1, 9, 6, tzinfo=UTC), "msg-1"
        row.next_attempt_at = None
    sent = next(m for m in client.get("/admin/api/mail", headers=AUTH).get_json()["messages"] if m["id"] == expected_id)
    assert (sent["status"], sent["sent_at"], sent["next_attempt_at"], sent["provider_message_id"]) == (
        "sent",
        "2027-03-01T09:06:00Z",
        None,
        "msg-1",
    )
    app.extensions["booking_db"].dispose()
