"""What a provider is told when its webhook request is refused, and which deliveries count as the same.

A refusal is a 4xx (or 503 while the app is not configured for the provider) with a reason code the
provider's delivery log shows and a message saying what to fix; a refused request stores nothing. The
dedupe key decides which deliveries are one event: two different batches must never share a key (the
second would be dropped as a duplicate), and the same batch must always get the same one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time

import pytest
import stripe

from app_under_test.config import Config
from app_under_test.webhooks import calendly_ingest, sendgrid_ingest, stripe_ingest
from app_under_test.webhooks.base import WebhookRejected
from simulators.sendgrid.signing import derive_private_key, public_key_base64, sign

pytestmark = [pytest.mark.webhook]

KEY = derive_private_key(random.Random(11))
PUBLIC_KEY = public_key_base64(KEY)
SENDGRID = Config(env="test", sendgrid_event_webhook_public_key=PUBLIC_KEY)
SIGNATURE, TIMESTAMP = sendgrid_ingest.SIGNATURE_HEADER, sendgrid_ingest.TIMESTAMP_HEADER
NOW = 1_800_000_000


def mail_event(kind: str = "bounce", event_id: str | None = "ev-1", **fields) -> dict:
    event = {"email": "grace@example.com", "timestamp": 1700000000, "event": kind, **fields}
    if event_id is not None:
        event["sg_event_id"] = event_id
    return event


def signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {SIGNATURE: sign(KEY, body, timestamp), TIMESTAMP: str(timestamp)}


def sendgrid_parse(events: list[dict] | bytes):
    body = events if isinstance(events, bytes) else json.dumps(events).encode()
    return sendgrid_ingest.parse(body, signed(body), SENDGRID)


def refusal(call, *args, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(WebhookRejected) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.code, refused.value.message


BODY = json.dumps([mail_event()]).encode()


@pytest.mark.parametrize(
    "headers",
    [{}, {SIGNATURE: "c2lnbmF0dXJl"}, {TIMESTAMP: str(NOW)}, {SIGNATURE: "", TIMESTAMP: str(NOW)}],
    ids=["neither", "signature only", "timestamp only", "empty signature"],
)
def test_sendgrid_without_both_signature_headers_is_told_which_headers_it_needs(headers):
    status, code, message = refusal(sendgrid_ingest.verify_signature, BODY, headers, PUBLIC_KEY, now=NOW)
    assert (status, code) == (400, "missing_signature")
    assert SIGNATURE in message and TIMESTAMP in message


@pytest.mark.parametrize("timestamp", ["soon", "1.8e9", "-1800000000", "１８００"])  # noqa: RUF001 (full-width digits)
def test_sendgrid_with_a_timestamp_that_is_no_unix_time_is_refused_as_malformed(timestamp):
    headers = {SIGNATURE: sign(KEY, BODY, NOW), TIMESTAMP: timestamp}
    status, code, message = refusal(sendgrid_ingest.verify_signature, BODY, headers, PUBLIC_KEY, now=NOW)
    assert (status, code) == (400, "malformed_signature")
    assert TIMESTAMP in message and "unix time" in message


@pytest.mark.parametrize("age", [-300, 0, 300])
def test_sendgrid_signed_within_five_minutes_either_way_is_accepted(age):
    sendgrid_ingest.verify_signature(BODY, signed(BODY, NOW - age), PUBLIC_KEY, now=NOW)


@pytest.mark.parametrize("age", [-301, 301, 86_400])
def test_sendgrid_signed_more_than_five_minutes_away_is_a_replay_and_refused(age):
    status, code, message = refusal(
        sendgrid_ingest.verify_signature, BODY, signed(BODY, NOW - age), PUBLIC_KEY, now=NOW
    )
    assert (status, code) == (400, "stale_signature")
    assert "300 seconds" in message


def test_sendgrid_signature_that_is_not_base64_or_a_body_that_is_not_utf8_is_malformed():
    headers = {SIGNATURE: "not base64!", TIMESTAMP: str(NOW)}
    assert refusal(sendgrid_ingest.verify_signature, BODY, headers, PUBLIC_KEY, now=NOW)[:2] == (
        400,
        "malformed_signature",
    )
    latin1 = '[{"event": "bounce", "email": "gr\u00e2ce@example.com"}]'.encode("latin-1")
    status, code, message = refusal(sendgrid_ingest.verify_signature, latin1, signed(latin1, NOW), PUBLIC_KEY, now=NOW)
    assert (status, code) == (400, "malformed_signature") and "UTF-8" in message


@pytest.mark.parametrize("signature", ["AAAA", "MEUCIQ==", sign(derive_private_key(random.Random(12)), BODY, NOW)])
def test_sendgrid_signature_that_does_not_verify_is_invalid(signature):
    headers = {SIGNATURE: signature, TIMESTAMP: str(NOW)}
    status, code, message = refusal(sendgrid_ingest.verify_signature, BODY, headers, PUBLIC_KEY, now=NOW)
    assert (status, code) == (400, "invalid_signature") and "does not match" in message


def test_sendgrid_with_a_public_key_that_is_no_key_is_not_configured():
    status, code, message = refusal(sendgrid_ingest.verify_signature, BODY, signed(BODY, NOW), "not a key", now=NOW)
    assert (status, code) == (503, "not_configured")
    assert "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY" in message


def test_sendgrid_batches_up_to_a_thousand_events_and_refuses_more_as_too_large():
    events = [mail_event("delivered", f"ev-{n}") for n in range(1000)]
    assert sendgrid_parse(events).event_type == "delivered"
    status, code, message = refusal(sendgrid_parse, [*events, mail_event("delivered", "ev-1000")])
    assert (status, code) == (413, "too_many_events") and "1000" in message


@pytest.mark.parametrize(
    "events",
    [
        [mail_event(kind="")],
        [mail_event(), {"email": "grace@example.com", "sg_event_id": "ev-2"}],
        [mail_event(kind=7)],
    ],
    ids=["empty name", "one without a name", "a name that is no string"],
)
def test_sendgrid_event_without_its_name_is_refused(events):
    status, code, message = refusal(sendgrid_parse, events)
    assert (status, code) == (400, "invalid_envelope") and "event name" in message


def test_sendgrid_event_kinds_are_listed_once_sorted_and_kept_short():
    kinds = [f"kind-{n:02}-{'x' * 10}" for n in range(10)]
    events = [mail_event(kind, f"ev-{i}") for i, kind in enumerate(reversed(kinds))] + [mail_event(kinds[0], "again")]
    assert sendgrid_parse(events).event_type == ",".join(kinds)[:80]


def test_sendgrid_one_event_is_keyed_by_its_own_id():
    assert sendgrid_parse([mail_event(event_id="abc")]).dedupe_key == "sendgrid:abc"


@pytest.mark.parametrize("event_id", [None, "", 12345], ids=["no id", "empty id", "numeric id"])
def test_sendgrid_one_event_without_a_usable_id_is_keyed_by_its_body(event_id):
    first = sendgrid_parse([mail_event(event_id=event_id, email="grace@example.com")]).dedupe_key
    other = sendgrid_parse([mail_event(event_id=event_id, email="ada@example.com")]).dedupe_key
    assert first.startswith("sendgrid:batch:") and other.startswith("sendgrid:batch:")
    assert first != other


def test_sendgrid_batches_that_share_ids_but_differ_in_an_unidentified_event_are_not_duplicates():
    first = sendgrid_parse([mail_event(event_id="a"), mail_event(event_id=None, email="grace@example.com")])
    second = sendgrid_parse([mail_event(event_id="a"), mail_event(event_id=None, email="ada@example.com")])
    assert first.dedupe_key != second.dedupe_key
    resent = sendgrid_parse([mail_event(event_id="a"), mail_event(event_id=None, email="grace@example.com")])
    assert resent.dedupe_key == first.dedupe_key


def test_sendgrid_the_same_ids_in_any_order_are_the_same_batch_and_other_ids_are_not():
    forward = sendgrid_parse([mail_event(event_id="a"), mail_event(event_id="b")]).dedupe_key
    backward = sendgrid_parse([mail_event(event_id="b"), mail_event(event_id="a")]).dedupe_key
    other = sendgrid_parse([mail_event(event_id="a"), mail_event(event_id="c")]).dedupe_key
    assert forward == backward != other


def test_sendgrid_the_dedupe_key_is_the_one_the_inbox_stores():
    events = [mail_event(event_id="a"), mail_event(event_id="b")]
    body = json.dumps(events).encode()
    assert sendgrid_ingest.dedupe_key(events, body) == sendgrid_parse(body).dedupe_key
    assert sendgrid_parse(body).raw_body == body.decode()
    assert sendgrid_parse(body).provider == "sendgrid"


CALENDLY_KEY = "calendly-signing-key"
CALENDLY = Config(env="test", calendly_webhook_signing_key=CALENDLY_KEY)
ENVELOPE = {
    "event": "invitee.created",
    "created_at": "2027-01-04T10:00:00.000000Z",
    "payload": {"uri": "https://api.calendly.com/scheduled_events/E/invitees/I"},
}


def calendly_parse(envelope: dict | bytes, *, key: str = CALENDLY_KEY):
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    now = int(time.time())
    digest = hmac.new(key.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return calendly_ingest.parse(body, {calendly_ingest.HEADER: f"t={now},v1={digest}"}, CALENDLY)


def test_calendly_without_a_signing_key_is_not_configured():
    status, code, _ = refusal(calendly_ingest.parse, b"{}", {}, Config(env="test"))
    assert (status, code) == (503, "not_configured")


@pytest.mark.parametrize(
    ("envelope", "code", "told"),
    [
        (b"{not json", "invalid_json", "not valid JSON"),
        (b"\xff\xfe", "invalid_json", "not valid JSON"),
        (b"[]", "invalid_envelope", "JSON object"),
        ({**ENVELOPE, "event": "invitee.updated"}, "unknown_event", "invitee.updated"),
        ({**ENVELOPE, "event": None}, "unknown_event", "None"),
        ({**ENVELOPE, "payload": []}, "invalid_envelope", "payload"),
        ({**ENVELOPE, "payload": {"uri": ""}}, "invalid_envelope", "payload.uri"),
        ({**ENVELOPE, "payload": {"uri": 5}}, "invalid_envelope", "payload.uri"),
        ({**ENVELOPE, "payload": {"uri": "u" * 256}}, "invalid_envelope", "255"),
        ({**ENVELOPE, "created_at": ""}, "invalid_envelope", "created_at"),
        ({**ENVELOPE, "created_at": "2" * 65}, "invalid_envelope", "created_at"),
        ({k: v for k, v in ENVELOPE.items() if k != "created_at"}, "invalid_envelope", "created_at"),
    ],
)
def test_calendly_signed_envelopes_it_cannot_use_are_refused_with_the_field_named(envelope, code, told):
    status, refused_code, message = refusal(calendly_parse, envelope)
    assert (status, refused_code) == (400, code)
    assert told in message


def test_calendly_the_longest_uri_and_created_at_are_accepted():
    envelope = {**ENVELOPE, "created_at": "2" * 64, "payload": {"uri": "u" * 255}}
    incoming = calendly_parse(envelope)
    assert incoming.dedupe_key == f"calendly:invitee.created:{'u' * 255}"
    assert incoming.provider == "calendly" and incoming.event_type == "invitee.created"


def test_calendly_no_show_keys_tell_marks_apart_and_removals_by_delivery_time():
    uri = ENVELOPE["payload"]["uri"]
    marked = {**ENVELOPE, "event": "invitee_no_show.created", "payload": {"uri": uri, "no_show": {"uri": "ns-1"}}}
    assert calendly_parse(marked).dedupe_key == f"calendly:invitee_no_show.created:{uri}:ns-1"
    bare = {**marked, "payload": {"uri": uri, "no_show": "ns-1"}}
    assert calendly_parse(bare).dedupe_key == f"calendly:invitee_no_show.created:{uri}:"
    removed = {**ENVELOPE, "event": "invitee_no_show.deleted", "created_at": "2027-01-05T09:00:00Z"}
    assert calendly_parse(removed).dedupe_key == f"calendly:invitee_no_show.deleted:{uri}:2027-01-05T09:00:00Z"
    assert calendly_parse({**ENVELOPE, "event": "invitee.canceled"}).dedupe_key == f"calendly:invitee.canceled:{uri}"


STRIPE_SECRET = "whsec_refusals"
STRIPE_BODY = '{"id": "evt_1", "object": "event", "type": "charge.refunded", "data": {"object": {}}}'


def stripe_refusal(header: str) -> tuple[int, str, str]:
    return refusal(stripe_ingest.verify, STRIPE_BODY.encode(), header, STRIPE_SECRET)


def test_stripe_a_wrong_signature_is_invalid_however_the_header_orders_its_parts():
    now = int(time.time())
    for header in (f"t={now},v1={'0' * 64}", f"v1={'0' * 64},t={now}", f"v0={'1' * 64},v1={'2' * 64},t={now}"):
        status, code, message = stripe_refusal(header)
        assert (status, code) == (400, "invalid_signature"), header
        assert "does not match" in message


def test_stripe_an_old_signature_is_reported_as_stale_with_the_tolerance():
    old = int(time.time()) - 301
    header = stripe.WebhookSignature.generate_signature_header(STRIPE_BODY, STRIPE_SECRET, old)
    status, code, message = stripe_refusal(header)
    assert (status, code) == (400, "stale_signature") and "300 seconds" in message
    # a timestamp written in other digits than ASCII is no timestamp: the signature is simply wrong
    status, code, _ = stripe_refusal(f"t={'１' * 3},v1={'0' * 64}")  # noqa: RUF001 (full-width digits on purpose)
    assert (status, code) == (400, "invalid_signature")


STRIPE = Config(env="test", stripe_webhook_secret=STRIPE_SECRET)


def stripe_parse(envelope: dict | list | bytes):
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    header = stripe.WebhookSignature.generate_signature_header(body.decode("utf-8", "replace"), STRIPE_SECRET)
    return stripe_ingest.parse(body, {stripe_ingest.HEADER: header}, STRIPE)


EVENT = {"id": "evt_1", "object": "event", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}


def test_stripe_an_event_is_keyed_by_its_id_and_kept_as_sent():
    incoming = stripe_parse(EVENT)
    assert (incoming.provider, incoming.dedupe_key, incoming.event_type) == (
        "stripe",
        "stripe:evt_1",
        "charge.refunded",
    )
    assert json.loads(incoming.raw_body) == EVENT
    longest = stripe_parse({**EVENT, "id": "evt_" + "a" * 251, "type": "t" * 80})
    assert longest.dedupe_key == "stripe:evt_" + "a" * 251 and longest.event_type == "t" * 80


@pytest.mark.parametrize(
    ("change", "told"),
    [
        ({"id": "ch_1"}, "evt_"),
        ({"id": 7}, "evt_"),
        ({"id": "evt_" + "a" * 252}, "evt_"),
        ({"type": ""}, "type"),
        ({"type": "t" * 81}, "type"),
        ({"type": None}, "type"),
        ({"data": {}}, "data.object"),
        ({"data": {"object": "ch_1"}}, "data.object"),
        ({"data": None}, "data.object"),
    ],
)
def test_stripe_a_signed_envelope_that_is_not_a_stripe_event_is_refused(change, told):
    status, code, message = refusal(stripe_parse, {**EVENT, **change})
    assert (status, code) == (400, "invalid_event") and told in message


def test_stripe_a_signed_body_that_is_no_event_object_is_refused_by_kind():
    assert refusal(stripe_parse, b"[1, 2]")[:2] == (400, "invalid_event")
    assert refusal(stripe_parse, b'"evt_1"')[:2] == (400, "invalid_event")
    told = "the body must be a JSON object (a Stripe event)"
    for scalar in (b"null", b"true", b"1", b"1.5", b"[]"):
        assert refusal(stripe_parse, scalar) == (400, "invalid_event", told)
    status, code, message = refusal(stripe_parse, b"{not json")
    assert (status, code) == (400, "invalid_json") and "not valid JSON" in message


def test_stripe_without_a_signing_secret_or_a_signature_is_refused():
    body = json.dumps(EVENT).encode()
    assert refusal(stripe_ingest.parse, body, {}, Config(env="test"))[:2] == (503, "not_configured")
    status, code, message = refusal(stripe_ingest.parse, body, {}, STRIPE)
    assert (status, code) == (400, "missing_signature") and "Stripe-Signature" in message


# Each refusal exactly as the provider's delivery log shows it: (status, code, message).
SENDGRID_REFUSALS = [
    (
        "no signature",
        {TIMESTAMP: str(NOW)},
        BODY,
        (400, "missing_signature", f"the {SIGNATURE} and {TIMESTAMP} headers are required"),
    ),
    (
        "timestamp no unix time",
        {SIGNATURE: "c2lnbmF0dXJl", TIMESTAMP: "soon"},
        BODY,
        (400, "malformed_signature", f"{TIMESTAMP} must be a unix time"),
    ),
    (
        "stale",
        {SIGNATURE: "c2lnbmF0dXJl", TIMESTAMP: str(NOW - 301)},
        BODY,
        (400, "stale_signature", "the signature timestamp is more than 300 seconds away from now"),
    ),
    (
        "signature with a character outside base64",
        {SIGNATURE: "c2ln bmF0dXJl", TIMESTAMP: str(NOW)},
        BODY,
        (400, "malformed_signature", "the signature is not base64, or the body not UTF-8"),
    ),
    (
        "wrong signature",
        {SIGNATURE: "c2lnbmF0dXJl", TIMESTAMP: str(NOW)},
        BODY,
        (400, "invalid_signature", "the signature does not match the body"),
    ),
]


@pytest.mark.parametrize(
    ("headers", "body", "answer"), [c[1:] for c in SENDGRID_REFUSALS], ids=[c[0] for c in SENDGRID_REFUSALS]
)
def test_sendgrid_refusals_word_for_word(headers, body, answer):
    assert refusal(sendgrid_ingest.verify_signature, body, headers, PUBLIC_KEY, now=NOW) == answer


def test_sendgrid_envelope_refusals_word_for_word():
    assert refusal(sendgrid_ingest.parse, BODY, signed(BODY), Config(env="test")) == (
        503,
        "not_configured",
        "SendGrid event webhooks are not configured",
    )
    assert refusal(sendgrid_ingest.verify_signature, BODY, signed(BODY, NOW), "not a key", now=NOW) == (
        503,
        "not_configured",
        "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY is not a valid key",
    )
    status, code, message = refusal(sendgrid_parse, b"[{")
    assert (status, code) == (400, "invalid_json") and message.startswith("the body is not valid JSON (Expecting")
    for body in (b"{}", b"[]", b"[1]"):
        assert refusal(sendgrid_parse, body) == (
            400,
            "invalid_envelope",
            "the body must be a non-empty JSON array of event objects",
        )
    assert refusal(sendgrid_parse, [mail_event(kind="")]) == (
        400,
        "invalid_envelope",
        "every event needs its event name",
    )
    assert refusal(sendgrid_parse, [mail_event()] * 1001) == (413, "too_many_events", "at most 1000 events per request")


def test_calendly_refusals_word_for_word():
    assert refusal(calendly_ingest.parse, b"{}", {}, Config(env="test")) == (
        503,
        "not_configured",
        "Calendly webhooks are not configured",
    )
    assert refusal(calendly_parse, b"[]") == (400, "invalid_envelope", "the body must be a JSON object")
    assert refusal(calendly_parse, {**ENVELOPE, "event": "invitee.updated"}) == (
        400,
        "unknown_event",
        "unsupported Calendly event 'invitee.updated'",
    )
    assert refusal(calendly_parse, {**ENVELOPE, "payload": []}) == (
        400,
        "invalid_envelope",
        "payload must be a JSON object",
    )
    assert refusal(calendly_parse, {**ENVELOPE, "payload": {}}) == (
        400,
        "invalid_envelope",
        "payload.uri is required to identify the event (a string of at most 255 characters)",
    )
    assert refusal(calendly_parse, {**ENVELOPE, "created_at": None}) == (
        400,
        "invalid_envelope",
        "created_at is required (an ISO-8601 time)",
    )
    status, code, message = refusal(calendly_parse, b"{nope")
    assert (status, code) == (400, "invalid_json") and message.startswith("the body is not valid JSON (Expecting")


def test_stripe_refusals_word_for_word():
    assert refusal(stripe_parse, {**EVENT, "id": "ch_1"}) == (
        400,
        "invalid_event",
        "id must be a Stripe event id (evt_...)",
    )
    assert refusal(stripe_parse, {**EVENT, "type": ""}) == (400, "invalid_event", "type must be a Stripe event type")
    assert refusal(stripe_parse, {**EVENT, "data": {}}) == (
        400,
        "invalid_event",
        "data.object is required (the object the event is about)",
    )
    assert refusal(stripe_parse, b"[1]") == (400, "invalid_event", "the body must be a JSON object (a Stripe event)")
    assert refusal(stripe_ingest.parse, b"{}", {}, Config(env="test")) == (
        503,
        "not_configured",
        "Stripe webhooks are not configured",
    )
    assert refusal(stripe_ingest.parse, b"{}", {}, STRIPE) == (
        400,
        "missing_signature",
        "the Stripe-Signature header is missing",
    )
    now = int(time.time())
    assert stripe_refusal(f"t={now},v1={'0' * 64}") == (
        400,
        "invalid_signature",
        "the signature does not match the body",
    )
    old = stripe.WebhookSignature.generate_signature_header(STRIPE_BODY, STRIPE_SECRET, now - 301)
    assert stripe_refusal(old) == (400, "stale_signature", "the signature timestamp is older than 300 seconds")


def test_calendly_signature_refusals_word_for_word():
    header = calendly_ingest.HEADER
    body = json.dumps(ENVELOPE).encode()

    def verify(value: str | None):
        return refusal(calendly_ingest.verify_signature, body, value, CALENDLY_KEY, now=NOW)

    assert verify(None) == (400, "missing_signature", f"the {header} header is missing")
    assert verify("garbage") == (400, "malformed_signature", f"{header} must look like t=<unix>,v1=<hex>")
    assert verify(f"t={NOW}") == (400, "malformed_signature", f"{header} must carry one t=<unix> and v1=<hex>")
    assert verify(f"t={NOW - 181},v1=00") == (
        400,
        "stale_signature",
        "the signature timestamp is older than 180 seconds",
    )
    assert verify(f"t={NOW + 181},v1=00") == (
        400,
        "future_signature",
        "the signature timestamp is more than 180 seconds ahead",
    )
    assert verify(f"t={NOW},v1=00") == (400, "invalid_signature", "the signature does not match the body")


@pytest.mark.parametrize("failure", [ValueError("bad DER"), TypeError("not bytes")])
def test_sendgrid_a_verifier_that_fails_on_a_signature_refuses_it_never_accepts_it(monkeypatch, failure):
    def failing(self, payload, signature, timestamp, public_key=None):
        raise failure

    monkeypatch.setattr(sendgrid_ingest.EventWebhook, "verify_signature", failing)
    assert refusal(sendgrid_ingest.verify_signature, BODY, signed(BODY, NOW), PUBLIC_KEY, now=NOW) == (
        400,
        "invalid_signature",
        "the signature does not match the body",
    )
