"""SendGrid's signed Event Webhook in the app: verification with the library's EventWebhook, dedupe, handlers."""

from __future__ import annotations

import json
import random
import time

import pytest
from sqlalchemy import select

from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.event_outcomes import Ignore
from app_under_test.mail import outbox
from app_under_test.models import Client, OutboxMessage, WebhookEvent
from app_under_test.webhooks import inbox, sendgrid_handlers, sendgrid_ingest
from app_under_test.webhooks.base import WebhookRejected
from simulators.sendgrid.signing import derive_private_key, public_key_base64, sign
from tests.app.log_capture import info_logs

pytestmark = pytest.mark.email
KEY = derive_private_key(random.Random(7))
OTHER_KEY = derive_private_key(random.Random(8))
CONFIG = Config(env="test", sendgrid_event_webhook_public_key=public_key_base64(KEY))


def event(kind: str, event_id: str = "ev-1", **fields) -> dict:
    return {
        "email": "grace@example.com",
        "timestamp": 1700000000,
        "event": kind,
        "sg_event_id": event_id,
        "sg_message_id": "msg.filter-0.0",
        **fields,
    }


def signed(events: list[dict], *, key=KEY, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(events).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return body, {
        sendgrid_ingest.SIGNATURE_HEADER: sign(key, body, timestamp),
        sendgrid_ingest.TIMESTAMP_HEADER: str(timestamp),
    }


def test_a_signed_batch_is_accepted_with_a_key_from_its_event_ids():
    body, headers = signed([event("bounce", "b"), event("processed", "a")])
    incoming = sendgrid_ingest.parse(body, headers, CONFIG)

    assert incoming.provider == "sendgrid" and incoming.event_type == "bounce,processed"
    assert incoming.dedupe_key.startswith("sendgrid:batch:")
    same_events, headers = signed([event("processed", "a"), event("bounce", "b")])
    assert sendgrid_ingest.parse(same_events, headers, CONFIG).dedupe_key == incoming.dedupe_key
    single, headers = signed([event("dropped", "only")])
    assert sendgrid_ingest.parse(single, headers, CONFIG).dedupe_key == "sendgrid:only"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("tampered", "invalid_signature"),
        ("other_key", "invalid_signature"),
        ("stale", "stale_signature"),
        ("no_headers", "missing_signature"),
        ("not_base64", "malformed_signature"),
    ],
)
def test_what_sendgrid_did_not_sign_is_refused(case, code):
    body, headers = signed(
        [event("bounce")],
        key=OTHER_KEY if case == "other_key" else KEY,
        timestamp=int(time.time()) - 600 if case == "stale" else None,
    )
    if case == "tampered":
        body = body.replace(b"grace@", b"mallory@")
    if case == "no_headers":
        headers = {}
    if case == "not_base64":
        headers[sendgrid_ingest.SIGNATURE_HEADER] = "not base64!"
    with pytest.raises(WebhookRejected) as refused:
        sendgrid_ingest.parse(body, headers, CONFIG)
    assert refused.value.code == code and refused.value.status == 400


@pytest.mark.parametrize("payload", [b"{}", b"[]", b"[1]", b'[{"email": "x"}]', b"not json"])
def test_a_signed_body_that_is_not_an_event_array_is_refused(payload):
    timestamp = int(time.time())
    headers = {
        sendgrid_ingest.SIGNATURE_HEADER: sign(KEY, payload, timestamp),
        sendgrid_ingest.TIMESTAMP_HEADER: str(timestamp),
    }
    with pytest.raises(WebhookRejected) as refused:
        sendgrid_ingest.parse(payload, headers, CONFIG)
    assert refused.value.status == 400


def test_without_a_configured_key_the_webhook_is_not_available():
    body, headers = signed([event("bounce")])
    with pytest.raises(WebhookRejected) as refused:
        sendgrid_ingest.parse(body, headers, Config(env="test"))
    assert refused.value.status == 503


@pytest.fixture
def database(db_url):
    db = Database(db_url)
    with db.transaction() as session:
        session.add(Client(email="grace@example.com", name="Grace"))
        outbox.enqueue(
            session,
            key="confirmation:bk1:client",
            kind="confirmation",
            recipient="grace@example.com",
            template_id="d-1",
            data={},
            booking_id=None,
        )
    yield db
    db.dispose()


def dispatch(db: Database, events: list[dict]) -> None:
    with db.transaction() as session:
        sendgrid_handlers.dispatch(session, WebhookEvent(id=1, event_type="test"), events)


def state(db: Database) -> tuple[bool, str, str | None]:
    with db.reader() as session:
        client = session.scalar(select(Client))
        mail = session.scalar(select(OutboxMessage))
        return client.email_undeliverable, mail.status, mail.last_error


@pytest.mark.database
def test_a_bounce_marks_the_client_undeliverable_and_its_mail_dead(database):
    bounce = event("bounce", type="bounce", reason="550 5.1.1 no such user", outbox_id="1")
    dispatch(database, [event("processed"), bounce])

    assert state(database) == (True, "dead", "SendGrid reported a bounce: 550 5.1.1 no such user")
    with pytest.raises(Ignore):  # the same events again change nothing
        dispatch(database, [bounce])


@pytest.mark.database
@pytest.mark.parametrize(
    ("fields", "told"),
    [
        ({"status": "5.1.1"}, "SendGrid reported a bounce: 5.1.1"),
        ({"reason": "", "status": "5.1.1"}, "SendGrid reported a bounce: 5.1.1"),
        ({}, "SendGrid reported a bounce: bounced"),
    ],
    ids=["status only", "empty reason", "neither"],
)
def test_a_bounce_without_a_reason_shows_its_smtp_status_on_the_dead_mail(database, fields, told):
    dispatch(database, [event("bounce", type="bounce", outbox_id="1", **fields)])

    assert state(database) == (True, "dead", told)


@pytest.mark.database
def test_a_drop_for_a_suppressed_address_marks_the_client_too(database):
    dispatch(database, [event("dropped", reason="Bounced Address", outbox_id="1")])

    assert state(database) == (True, "dead", "SendGrid dropped the mail: Bounced Address")


@pytest.mark.database
@pytest.mark.parametrize(
    ("fields", "told"),
    [
        ({"reason": "Invalid SMTPAPI header"}, "SendGrid dropped the mail: Invalid SMTPAPI header"),
        ({}, "SendGrid dropped the mail: dropped"),
    ],
    ids=["with a reason", "without a reason"],
)
def test_a_drop_for_another_reason_leaves_the_address_alone(database, fields, told):
    dispatch(database, [event("dropped", outbox_id="1", **fields)])

    assert state(database) == (False, "dead", told)


@pytest.mark.database
@pytest.mark.parametrize(
    "events",
    [
        [event("bounce", type="blocked", reason="try later", outbox_id="1")],
        [event("delivered", outbox_id="1"), event("processed")],
        [event("bounce", type="bounce", email="someone-else@example.com", outbox_id="1")],
    ],
)
def test_blocks_deliveries_and_strangers_change_nothing(database, events):
    with pytest.raises(Ignore):
        dispatch(database, events)
    assert state(database) == (False, "pending", None)


@pytest.mark.database
def test_a_bounce_applied_on_arrival_is_logged_under_the_id_the_operators_webhook_list_shows(database):
    body, headers = signed([event("bounce", "b-42", type="bounce", reason="550 no such user", outbox_id="1")])
    with info_logs() as logs:
        received = inbox.receive(database, sendgrid_ingest.parse(body, headers, CONFIG), sendgrid_handlers.dispatch)

    with database.reader() as session:
        stored = session.scalar(select(WebhookEvent))
    assert (received.status, stored.status, stored.dedupe_key) == ("processed", "processed", "sendgrid:b-42")
    [applied] = [line for line in logs if line["event"] == "sendgrid_events_applied"]
    assert applied["event_id"] == stored.id == received.event_id
