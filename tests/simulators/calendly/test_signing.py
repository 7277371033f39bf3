"""The simulator's Calendly signer and verifier, against the scheme written out by hand."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from simulators.calendly.signing import HEADER, SignatureError, Signer, verify

pytestmark = pytest.mark.calendly

BODY = b'{"event":"invitee.created","payload":{"email":"caf\xc3\xa9@example.com"}}'


def test_signer_header_is_t_and_v1_over_timestamp_dot_raw_body():
    headers = Signer("secret").headers(BODY, 1_700_000_000)
    expected = hmac.new(b"secret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert headers == {HEADER: f"t=1700000000,v1={expected}"}


def test_verify_accepts_a_fresh_signature_and_returns_its_timestamp():
    now = int(time.time())
    header = Signer("secret").headers(BODY, now)[HEADER]
    assert verify(BODY, header, "secret") == now


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda body, header: (body + b" ", header), "does not match"),
        (lambda body, header: (body, header.replace("v1=", "v1=0")), "does not match"),
        (lambda body, header: (body, None), "missing"),
        (lambda body, header: (body, "garbage"), "malformed"),
        (lambda body, header: (body, header.split(",")[1]), "no timestamp"),
    ],
)
def test_verify_rejects_tampering_and_malformed_headers(mutate, message):
    header = Signer("secret").headers(BODY, int(time.time()))[HEADER]
    body, header = mutate(BODY, header)
    with pytest.raises(SignatureError, match=message):
        verify(body, header, "secret")


def test_verify_rejects_the_wrong_key_and_stale_timestamps():
    fresh = Signer("secret").headers(BODY, int(time.time()))[HEADER]
    with pytest.raises(SignatureError, match="does not match"):
        verify(BODY, fresh, "another")
    stale = Signer("secret").headers(BODY, int(time.time()) - 181)[HEADER]
    with pytest.raises(SignatureError, match="tolerance"):
        verify(BODY, stale, "secret")
    assert verify(BODY, stale, "secret", tolerance=300)


def test_wrong_key_signs_with_a_key_nobody_configured_and_no_key_means_unsigned():
    header = Signer("secret").headers(BODY, int(time.time()), wrong_key=True)[HEADER]
    with pytest.raises(SignatureError):
        verify(BODY, header, "secret")
    assert Signer(None).headers(BODY, int(time.time())) == {}
