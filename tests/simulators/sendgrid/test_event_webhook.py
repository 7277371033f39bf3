"""The signed Event Webhook: event batches a real send produces, ECDSA signatures, retries, plan faults."""

from __future__ import annotations

import json

import pytest
from sendgrid.helpers.mail import Category, Mail

from simulators.sendgrid.webhook import SENDGRID_RETRY

pytestmark = [pytest.mark.email, pytest.mark.webhook]


def _events(requests):
    return [event for request in requests for event in json.loads(request.body)]


def test_a_send_posts_processed_then_delivered_batches_signed_with_the_published_key(sg, webhook_to):
    mail = sg.template_mail("ann@example.com")
    mail.category = Category("booking")
    response = sg.client().send(mail)
    message_id = response.headers["X-Message-Id"]

    attempts = sg.flush()
    requests = webhook_to.wait_for(2)

    assert [a.event_type for a in attempts] == ["processed", "delivered"]
    assert [r.path for r in requests] == ["/sendgrid/events"] * 2
    processed, delivered = (json.loads(r.body) for r in requests)
    assert [e["event"] for e in processed] == ["processed"] and [e["event"] for e in delivered] == ["delivered"]
    for event in processed + delivered:
        assert event["email"] == "ann@example.com"
        assert event["sg_message_id"].split(".")[0] == message_id
        assert event["category"] == ["booking"]
        assert event["smtp-id"].startswith("<") and isinstance(event["timestamp"], int)
    assert delivered[0]["response"] == "250 OK"
    assert processed[0]["sg_event_id"] != delivered[0]["sg_event_id"]

    public_key = sg.public_key()
    assert public_key == sg.client().client.user.webhooks.event.settings.signed.get().to_dict["public_key"]
    for request in requests:
        assert sg.verify(public_key, request.headers, request.body)


def test_a_tampered_body_or_timestamp_fails_verification(sg, webhook_to):
    sg.client().send(sg.template_mail())
    sg.flush()
    request = webhook_to.wait_for(1)[0]
    public_key = sg.public_key()

    tampered = request.body.replace(b"ann@example.com", b"eve@example.com")
    assert not sg.verify(public_key, request.headers, tampered)
    headers = {**request.headers, "X-Twilio-Email-Event-Webhook-Timestamp": "1"}
    assert not sg.verify(public_key, headers, request.body)


def test_custom_args_are_flattened_into_every_event(sg, webhook_to):
    body = sg.plain_body(custom_args={"booking_id": "b_1", "kind": "confirmation"})
    body["personalizations"][0]["custom_args"] = {"kind": "reminder"}
    sg.post_send(body)
    sg.flush()

    events = _events(webhook_to.wait_for(2))
    assert {(e["booking_id"], e["kind"]) for e in events} == {("b_1", "reminder")}


def test_a_bounce_address_bounces_and_is_dropped_afterwards(sg, webhook_to):
    sg.configure(bounce_addresses=["*@bounce.test"])

    sg.post_send(sg.plain_body(personalizations=[{"to": [{"email": "gone@bounce.test"}]}]))
    sg.flush()
    bounce = [e for e in _events(webhook_to.wait_for(2)) if e["event"] == "bounce"]
    assert bounce and bounce[0]["type"] == "bounce" and bounce[0]["status"].startswith("5.")
    assert bounce[0]["reason"].startswith("550")

    sg.post_send(sg.plain_body(personalizations=[{"to": [{"email": "gone@bounce.test"}]}]))
    sg.flush()
    dropped = [e for e in _events(webhook_to.wait_for(4)) if e["event"] == "dropped"]
    assert dropped and dropped[0]["reason"] == "Bounced Address"
    assert [m["status"] for m in sg.messages(to="gone@bounce.test")] == ["bounce", "dropped"]
    assert sg.control("GET", "/suppressions").json() == {"bounces": ["gone@bounce.test"]}


def test_a_blocked_address_bounces_as_blocked_and_is_not_suppressed(sg, webhook_to):
    sg.configure(blocked_addresses=["*@strict.test"])

    for _ in range(2):
        sg.post_send(sg.plain_body(personalizations=[{"to": [{"email": "ops@strict.test"}]}]))
    sg.flush()

    events = _events(webhook_to.wait_for(4))
    blocks = [e for e in events if e["event"] == "bounce"]
    assert len(blocks) == 2 and {e["type"] for e in blocks} == {"blocked"}  # the second send is tried again
    assert blocks[0]["status"] == "5.7.1" and blocks[0]["bounce_classification"] == "Reputation"
    assert not [e for e in events if e["event"] == "dropped"]
    assert [m["status"] for m in sg.messages(to="ops@strict.test")] == ["blocked", "blocked"]
    assert sg.control("GET", "/suppressions").json() == {"bounces": []}


def test_deferred_addresses_are_deferred_before_delivery(sg, webhook_to):
    sg.configure(deferred_addresses=["slow@example.com"])

    sg.post_send(sg.plain_body(personalizations=[{"to": [{"email": "slow@example.com"}]}]))
    sg.flush()

    events = _events(webhook_to.wait_for(3))
    assert [e["event"] for e in events] == ["processed", "deferred", "delivered"]
    assert events[2]["timestamp"] > events[1]["timestamp"] > events[0]["timestamp"] - 1


def test_several_recipients_share_one_batch_per_event_kind(sg, webhook_to):
    mail = Mail(
        from_email="bookings@builders.test",
        to_emails=["a@example.com", "b@example.com"],
        subject="Hi",
        plain_text_content="Hi",
    )
    sg.client().send(mail)
    sg.flush()

    processed = json.loads(webhook_to.wait_for(2)[0].body)
    assert sorted(e["email"] for e in processed) == ["a@example.com", "b@example.com"]
    assert len({e["sg_message_id"] for e in processed}) == 2


def test_a_failing_endpoint_is_retried_on_the_virtual_clock(sg, webhook_to):
    webhook_to.respond_with(500)
    sg.client().send(sg.template_mail())

    first = sg.flush()
    assert [a.response_status for a in first] == [500, 200]
    retried = sg.simulator.hub.engine.advance(3600)

    assert [(a.event_type, a.attempt_no, a.response_status) for a in retried] == [("processed", 2, 200)]
    bodies = [r.body for r in webhook_to.wait_for(3)]
    assert bodies[0] == bodies[2]
    assert all(sg.verify(sg.public_key(), r.headers, r.body) for r in webhook_to.requests)


def test_sendgrid_retries_stop_after_24_hours(sg, webhook_to):
    webhook_to.default_status = 503
    sg.client().send(sg.template_mail())
    sg.flush()
    engine = sg.simulator.hub.engine

    for delay in SENDGRID_RETRY.delays:
        engine.advance(delay)
    engine.advance(24 * 3600)

    statuses = {d.event_type: (d.status, d.attempts) for d in engine.deliveries(provider="sendgrid")}
    attempts = 1 + len(SENDGRID_RETRY.delays)
    assert statuses == {"processed": ("exhausted", attempts), "delivered": ("exhausted", attempts)}
    times = [a.virtual_at for a in engine.journal(event_type="processed")]
    assert 12 * 3600 < times[-1] - times[0] <= 24 * 3600


@pytest.mark.parametrize("plan", [{"corrupt_signature": True}, {"wrong_key": True}])
def test_signature_fault_plans_fail_verification(sg, webhook_to, plan):
    sg.http.post("/_sim/plans", json={"provider": "sendgrid", "event_type": "processed", "plan": plan})
    sg.client().send(sg.template_mail())
    sg.flush()

    processed, delivered = webhook_to.wait_for(2)
    assert not sg.verify(sg.public_key(), processed.headers, processed.body)
    assert sg.verify(sg.public_key(), delivered.headers, delivered.body)


def test_field_paths_in_plans_address_events_in_the_batch(sg, webhook_to):
    sg.http.post(
        "/_sim/plans",
        json={"provider": "sendgrid", "event_type": "delivered", "plan": {"drop_fields": ["0.sg_message_id"]}},
    )
    sg.client().send(sg.template_mail())
    sg.flush()

    delivered = json.loads(webhook_to.wait_for(2)[1].body)
    assert "sg_message_id" not in delivered[0] and delivered[0]["event"] == "delivered"


def test_event_kinds_and_the_url_can_be_set_through_sendgrids_settings_api(sg, receiver):
    api = sg.client().client.user.webhooks.event.settings
    settings = api.patch(
        request_body={"enabled": True, "url": f"{receiver.url}/hooks", "processed": False, "delivered": True}
    ).to_dict
    assert settings["url"] == f"{receiver.url}/hooks" and settings["processed"] is False

    sg.client().send(sg.template_mail())
    sg.flush()

    [request] = receiver.wait_for(1)
    assert [e["event"] for e in json.loads(request.body)] == ["delivered"]
    assert api.get().to_dict["enabled"] is True


def test_nothing_is_posted_while_no_webhook_is_configured(sg, receiver):
    sg.client().send(sg.template_mail())

    assert sg.flush() == []
    assert sg.messages()[0]["status"] == "delivered"
    assert len(sg.messages()[0]["events"]) == 2
