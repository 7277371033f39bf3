"""Signed Event Webhook: ECDSA P-256 over ``timestamp + raw body``, as SendGrid signs.

The sendgrid library only verifies (``sendgrid.helpers.eventwebhook``), so the
simulator signs with ``cryptography`` itself: SHA-256 ECDSA, the DER signature
base64-encoded in ``X-Twilio-Email-Event-Webhook-Signature`` and the unix
timestamp (a string) in ``X-Twilio-Email-Event-Webhook-Timestamp``. The public
key is published as base64 DER SubjectPublicKeyInfo, the form SendGrid's UI
and ``GET /v3/user/webhooks/event/settings/signed`` give and the library's
``EventWebhook(public_key)`` accepts.

The private scalar is drawn from the hub's seeded stream, and signatures use
RFC 6979 deterministic nonces, so a replayed run sends byte-identical requests.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
# Order of the P-256 group: private scalars live in [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def derive_private_key(rng: random.Random) -> ec.EllipticCurvePrivateKey:
    scalar = rng.randrange(1, _P256_ORDER)
    return ec.derive_private_key(scalar, ec.SECP256R1())


def public_key_base64(private_key: ec.EllipticCurvePrivateKey) -> str:
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def sign(private_key: ec.EllipticCurvePrivateKey, body: bytes, timestamp: int | str) -> str:
    message = str(timestamp).encode("utf-8") + body
    signature = private_key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return base64.b64encode(signature).decode("ascii")


class EventWebhookSigner:
    """The ``Signer`` the delivery engine calls for every attempt.

    ``key`` and ``wrong_key`` are callables so that a hub reset (new seed, new
    key pair) is picked up by deliveries created afterwards.
    """

    def __init__(
        self, key: Callable[[], ec.EllipticCurvePrivateKey], wrong_key: Callable[[], ec.EllipticCurvePrivateKey]
    ) -> None:
        self._key = key
        self._wrong_key = wrong_key

    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        private_key = self._wrong_key() if wrong_key else self._key()
        return {SIGNATURE_HEADER: sign(private_key, body, timestamp), TIMESTAMP_HEADER: str(int(timestamp))}
