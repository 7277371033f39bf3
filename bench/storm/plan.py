"""The storm's plan: which signed webhook requests go out, in which groups, and what each must end as.

A plan is built from a seed, so every Locust worker (and the checker, afterwards) builds the same
one and takes its own share (``share``). The events:

- Calendly ``invitee.created`` for a meeting booked on Calendly directly: the app books it (a new
  booking, its slot claims, its mails) -- an effect that shows if an event is applied twice;
- Stripe ``payment_intent.succeeded`` for a payment of no booking here: stored and ignored;
- reordered pairs: an invitee's ``invitee.canceled`` sent *before* its ``invitee.created`` (one
  group, sent in that order); the app must end with the booking canceled;
- duplicates: the exact bytes and signature of an earlier request, sent again later;
- bad signatures: a fresh, well-formed event signed over other bytes; it must be refused (4xx) and
  leave nothing behind.

The default mix is 30% duplicates, 10% reordered pairs, 5% bad signatures (shares of all requests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import stripe

CALENDLY_API = "https://api.calendly.com"
EVENT_TYPE_URI = f"{CALENDLY_API}/event_types/STORM-CALL"
BUILDER_URI = f"{CALENDLY_API}/users/STORM-BUILDER"
SLOT = timedelta(minutes=30)


@dataclass(frozen=True)
class Mix:
    duplicates: float = 0.30
    reordered: float = 0.10
    bad_signatures: float = 0.05


@dataclass(frozen=True)
class Send:
    """One HTTP request of the storm."""

    path: str
    body: bytes
    kind: str  # original | duplicate | reordered | bad_signature
    key: str  # the app's dedupe key for the event
    provider: str
    invitee: str | None = None
    signed_over: bytes | None = None  # what the signature covers when it is not the body


@dataclass
class Group:
    """Requests one Locust task sends in order (a reordered pair is one group)."""

    sends: list[Send] = field(default_factory=list)


@dataclass
class Plan:
    groups: list[Group]

    @property
    def sends(self) -> list[Send]:
        return [send for group in self.groups for send in group.sends]

    def share(self, index: int, total: int) -> list[Group]:
        """The groups worker ``index`` of ``total`` sends (every group goes to exactly one worker)."""
        return self.groups[index::total]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def calendly_envelope(event: str, n: int, start: datetime, *, canceled: bool = False) -> dict:
    event_uri = f"{CALENDLY_API}/scheduled_events/STORM-EV-{n:06d}"
    invitee = f"{event_uri}/invitees/STORM-INV-{n:06d}"
    payload: dict = {
        "uri": invitee,
        "email": f"storm{n}@example.com",
        "name": f"Storm Client {n}",
        "status": "canceled" if canceled else "active",
        "timezone": "UTC",
        "event": event_uri,
        "tracking": {"utm_source": None, "utm_content": None},
        "rescheduled": False,
        "old_invitee": None,
        "new_invitee": None,
        "scheduled_event": {
            "uri": event_uri,
            "start_time": _iso(start),
            "end_time": _iso(start + SLOT),
            "event_type": EVENT_TYPE_URI,
            "event_memberships": [{"user": BUILDER_URI}],
        },
    }
    if canceled:
        payload["cancellation"] = {"canceled_by": "Storm Client", "reason": "storm", "canceler_type": "invitee"}
    return {
        "event": event,
        "created_at": _iso(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n * 2 + (1 if canceled else 0))),
        "created_by": BUILDER_URI,
        "payload": payload,
    }


def stripe_event(n: int) -> dict:
    return {
        "id": f"evt_storm_{n:06d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1767225600 + n,
        "livemode": False,
        "pending_webhooks": 1,
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": f"pi_storm_{n:06d}",
                "object": "payment_intent",
                "amount": 5000,
                "currency": "eur",
                "status": "succeeded",
                "metadata": {},
            }
        },
    }


def _body(envelope: dict) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode()


def calendly_key(envelope: dict) -> str:
    return f"calendly:{envelope['event']}:{envelope['payload']['uri']}"


def build_plan(count: int, *, seed: int, first_start: datetime, mix: Mix | None = None) -> Plan:
    """About ``count`` requests: originals, then the mix's duplicates, pairs and bad signatures, shuffled."""
    mix = mix or Mix()
    chance = random.Random(seed)
    groups: list[Group] = []
    pairs = int(count * mix.reordered / 2)
    bad = int(count * mix.bad_signatures)
    duplicates = int(count * mix.duplicates)
    originals = max(1, count - 2 * pairs - bad - duplicates)
    n = 0

    def start_of(k: int) -> datetime:
        return first_start + SLOT * k

    for _ in range(originals):
        if chance.random() < 0.2:
            envelope = stripe_event(n)
            send = Send("/webhooks/stripe", _body(envelope), "original", f"stripe:{envelope['id']}", "stripe")
        else:
            envelope = calendly_envelope("invitee.created", n, start_of(n))
            send = Send(
                "/webhooks/calendly",
                _body(envelope),
                "original",
                calendly_key(envelope),
                "calendly",
                envelope["payload"]["uri"],
            )
        groups.append(Group([send]))
        n += 1
    for _ in range(pairs):
        created = calendly_envelope("invitee.created", n, start_of(n))
        canceled = calendly_envelope("invitee.canceled", n, start_of(n), canceled=True)
        invitee = created["payload"]["uri"]
        groups.append(
            Group(
                [
                    Send(
                        "/webhooks/calendly", _body(canceled), "reordered", calendly_key(canceled), "calendly", invitee
                    ),
                    Send("/webhooks/calendly", _body(created), "reordered", calendly_key(created), "calendly", invitee),
                ]
            )
        )
        n += 1
    for _ in range(bad):
        envelope = calendly_envelope("invitee.created", n, start_of(n))
        body = _body(envelope)
        groups.append(
            Group(
                [
                    Send(
                        "/webhooks/calendly",
                        body,
                        "bad_signature",
                        calendly_key(envelope),
                        "calendly",
                        envelope["payload"]["uri"],
                        signed_over=body + b" ",
                    )
                ]
            )
        )
        n += 1
    # Each group gets a place in the order; a duplicate goes somewhere after its original, as a redelivery does.
    placed = [(chance.random(), group) for group in groups]
    singles = [(at, g.sends[0]) for at, g in placed if len(g.sends) == 1 and g.sends[0].kind == "original"]
    for _ in range(duplicates):
        at, original = chance.choice(singles)
        copy = Send(original.path, original.body, "duplicate", original.key, original.provider, original.invitee)
        placed.append((chance.uniform(at, 1.0), Group([copy])))
    placed.sort(key=lambda item: item[0])
    return Plan([group for _, group in placed])


def sign(send: Send, *, calendly_key: str, stripe_secret: str, now: float | None = None) -> dict[str, str]:
    """The request's headers, signed when it is sent (a duplicate: the same bytes, signed again, as a redelivery)."""
    timestamp = int(now if now is not None else time.time())
    covered = send.signed_over or send.body
    if send.provider == "stripe":
        header = stripe.WebhookSignature.generate_signature_header(covered.decode(), stripe_secret, timestamp)
        return {"Stripe-Signature": header, "Content-Type": "application/json"}
    digest = hmac.new(calendly_key.encode(), f"{timestamp}.".encode() + covered, hashlib.sha256).hexdigest()
    return {"Calendly-Webhook-Signature": f"t={timestamp},v1={digest}", "Content-Type": "application/json"}
