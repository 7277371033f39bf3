"""Calendly webhook verification: the signature over the raw bytes, the envelope, the derived dedupe key."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from app_under_test.config import Config
from app_under_test.webhooks.base import WebhookRejected
from app_under_test.webhooks.calendly_ingest import dedupe_key, parse, verify_signature

pytestmark = [pytest.mark.calendly, pytest.mark.webhook]

KEY = "signing-key-for-tests"
NOW = 1_800_000_000
BODY = (
    b'{"event":"invitee.created","created_at":"2027-01-04T10:00:00.000000Z","created_by":"u",'
    b'"payload":{"uri":"https://api.calendly.com/scheduled_events/E/invitees/I"}}'
)


def sign(body: bytes, t: int = NOW, key: str = KEY) -> str:
    return hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def rejected_code(body: bytes, header: str | None, now: float = NOW) -> str:
    with pytest.raises(WebhookRejected) as caught:
        verify_signature(body, header, KEY, now=now)
    assert caught.value.status == 400
    return caught.value.code


def test_a_signature_over_the_raw_bytes_passes():
    verify_signature(BODY, f"t={NOW},v1={sign(BODY)}", KEY, now=NOW)


def test_the_same_json_reserialised_does_not_pass():
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY
    assert rejected_code(reserialised, f"t={NOW},v1={sign(BODY)}") == "invalid_signature"


def test_any_of_several_v1_signatures_may_match_as_during_a_key_rotation():
    header = f"t={NOW},v1={sign(BODY, key='the-old-key')},v1={sign(BODY)}"
    verify_signature(BODY, header, KEY, now=NOW)
    assert rejected_code(BODY, f"t={NOW},v1={'0' * 64},v1={sign(BODY, key='other')}") == "invalid_signature"


def test_spaces_around_the_parts_are_tolerated_and_upper_case_hex_too():
    verify_signature(BODY, f" t={NOW} , v1={sign(BODY).upper()} ", KEY, now=NOW)


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("garbage", "malformed_signature"),
        (f"v1={'a' * 64}", "malformed_signature"),
        (f"t={NOW}", "malformed_signature"),
        (f"t=soon,v1={'a' * 64}", "malformed_signature"),
        (f"t=１２３,v1={'a' * 64}", "malformed_signature"),  # noqa: RUF001 (full-width digits on purpose: digits to str.isdigit)
        (f"t={NOW},t={NOW + 1},v1={'a' * 64}", "malformed_signature"),
        (f"t={NOW},v1=é{'a' * 63}", "invalid_signature"),
    ],
)
def test_malformed_headers_are_refused_with_their_reason(header, code):
    assert rejected_code(BODY, header) == code


def test_the_signed_timestamp_must_be_within_three_minutes_either_way():
    verify_signature(BODY, f"t={NOW - 180},v1={sign(BODY, NOW - 180)}", KEY, now=NOW)
    verify_signature(BODY, f"t={NOW + 180},v1={sign(BODY, NOW + 180)}", KEY, now=NOW)
    assert rejected_code(BODY, f"t={NOW - 181},v1={sign(BODY, NOW - 181)}") == "stale_signature"
    assert rejected_code(BODY, f"t={NOW + 181},v1={sign(BODY, NOW + 181)}") == "future_signature"


def test_a_valid_signature_with_another_timestamp_in_the_header_fails():
    assert rejected_code(BODY, f"t={NOW + 1},v1={sign(BODY, NOW)}", now=NOW) == "invalid_signature"


def envelope(event: str, **payload) -> dict:
    return {
        "event": event,
        "created_at": "2027-01-04T10:00:00.000000Z",
        "created_by": "u",
        "payload": {"uri": "https://api.calendly.com/scheduled_events/E/invitees/I", **payload},
    }


def test_dedupe_keys_are_event_plus_uri_and_tell_no_show_marks_apart():
    assert (
        dedupe_key(envelope("invitee.created"))
        == "calendly:invitee.created:https://api.calendly.com/scheduled_events/E/invitees/I"
    )
    assert dedupe_key(envelope("invitee.created")) != dedupe_key(envelope("invitee.canceled"))
    first = dedupe_key(
        envelope("invitee_no_show.created", no_show={"uri": "https://api.calendly.com/invitee_no_shows/1"})
    )
    second = dedupe_key(
        envelope("invitee_no_show.created", no_show={"uri": "https://api.calendly.com/invitee_no_shows/2"})
    )
    assert first != second and first.endswith("/invitee_no_shows/1")
    removal = envelope("invitee_no_show.deleted", no_show=None)
    later = {**removal, "created_at": "2027-01-05T10:00:00.000000Z"}
    assert dedupe_key(removal) == dedupe_key(json.loads(json.dumps(removal)))
    assert dedupe_key(removal) != dedupe_key(later)  # a second removal (after a second mark) is a new event


def test_dedupe_key_survives_a_no_show_that_is_not_an_object():
    assert dedupe_key(envelope("invitee_no_show.created", no_show="x")).endswith("/invitees/I:")


def signed_parse(body: dict | bytes, key: str = KEY):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    t = int(time.time())
    return parse(
        raw, {"Calendly-Webhook-Signature": f"t={t},v1={sign(raw, t, key)}"}, Config(calendly_webhook_signing_key=KEY)
    )


def test_parse_stores_the_raw_body_under_the_derived_key():
    incoming = signed_parse(envelope("invitee.created"))
    assert incoming.provider == "calendly" and incoming.event_type == "invitee.created"
    assert incoming.dedupe_key.startswith("calendly:invitee.created:") and json.loads(incoming.raw_body)["event"]


@pytest.mark.parametrize("no_show", [{}, {"uri": None}, {"uri": ""}])
def test_a_no_show_mark_naming_no_uri_is_stored_under_the_invitee_with_the_marks_part_left_empty(no_show):
    # The key the operator's webhook list and a duplicate's answer show: nothing invented for the missing uri.
    incoming = signed_parse(envelope("invitee_no_show.created", no_show=no_show))
    assert incoming.dedupe_key == (
        "calendly:invitee_no_show.created:https://api.calendly.com/scheduled_events/E/invitees/I:"
    )


@pytest.mark.parametrize(
    "body, code",
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "invalid_envelope"),
        ({"event": "invitee.updated", "created_at": "x", "payload": {"uri": "u"}}, "unknown_event"),
        ({"event": "invitee.created", "created_at": "x"}, "invalid_envelope"),
        ({"event": "invitee.created", "created_at": "x", "payload": "u"}, "invalid_envelope"),
        ({"event": "invitee.created", "created_at": "x", "payload": {}}, "invalid_envelope"),
        ({"event": "invitee.created", "created_at": "x", "payload": {"uri": "u" * 256}}, "invalid_envelope"),
        ({"event": "invitee.created", "payload": {"uri": "u"}}, "invalid_envelope"),
    ],
)
def test_bodies_that_are_not_calendly_events_are_refused(body, code):
    with pytest.raises(WebhookRejected) as caught:
        signed_parse(body)
    assert (caught.value.status, caught.value.code) == (400, code)


def test_without_a_configured_key_nothing_is_accepted():
    with pytest.raises(WebhookRejected) as caught:
        parse(BODY, {}, Config(calendly_webhook_signing_key=""))
    assert caught.value.status == 503
