"""SendGrid Event Webhook batches the booking service consumes, as message pacts posted to its real endpoint.

SendGrid posts a JSON array of delivery events, signed with ECDSA P-256; each
case signs the example batch with the key pair whose public half the app is
configured with (``consumer_app.post_sendgrid``), posts it to
``/webhooks/sendgrid`` and checks through the operator API what
``sendgrid_handlers.dispatch`` did. One case per branch of the handler:

  - ``bounce`` (type ``bounce``): the client is undeliverable, the mail dead with SendGrid's reason;
  - ``bounce`` of type ``blocked`` (a temporary block): nothing changes;
  - ``dropped`` because the address bounced before: the mail dead and the client undeliverable;
  - ``dropped`` for any other reason (a template SendGrid does not have): the mail dead, the client
    left alone;
  - any other event, e.g. ``delivered``: accepted and ignored. The app subscribes only to bounce
    and dropped (``mail.provision``), but an account whose webhook sends more must not trouble it.

The events state what the app reads: ``event``, ``sg_event_id`` (the inbox's
dedupe key), ``email`` (the client), the ``outbox_id`` custom arg the app put
into the send (the mail), and ``reason``/``type`` where the handler looks at
them. ``timestamp``, ``sg_message_id`` and the other custom args are left out:
the app never reads them, and SendGrid omits ``sg_message_id`` on some drops.
The signature is transport, not contract: it is made fresh for each post.
"""

from __future__ import annotations

from typing import Any

from pact import match
from pact.match.matcher import GenericMatcher

from contracts.consumer import consumer_app
from contracts.support.cases import MessageCase, State
from contracts.support.names import SENDGRID_WEBHOOKS

EMAIL = r"^[^@\s]+@[^@\s]+$"
SG_EVENT_ID = r"^[A-Za-z0-9_+/=-]{16,}$"  # base64 (standard or url-safe) of SendGrid's internal event id
OUTBOX_ID = r"^\d+$"  # custom args come back as strings
BOUNCE_REASON = "550 5.1.1 The email account that you tried to reach does not exist."
BLOCK_REASON = "421 4.7.0 Try again later, closing connection."
BOUNCED_ADDRESS = "Bounced Address"
INVALID_TEMPLATE = "Invalid SMTPAPI header"


def ids(n: int) -> dict[str, Any]:
    """Distinct example values for case ``n``: the recipient, the outbox row, the event."""
    return {
        "email": f"sendgrid-client-{n}@example.com",
        "outbox_id": 1000 * n,
        "event_id": f"Q29udHJhY3Q{n:04d}RXZlbnQ",
    }


def exactly(value: str) -> GenericMatcher:
    """Equality, stated: inside ``each_like`` a bare value would only be matched by its type."""
    return GenericMatcher("equality", value=value)


def batch(case: dict[str, Any], kind: str, **fields: Any):
    """A batch of one or more events like this one (SendGrid batches events; the app handles each)."""
    return match.each_like(
        {
            "email": match.regex(case["email"], regex=EMAIL),
            "event": exactly(kind),
            "sg_event_id": match.regex(case["event_id"], regex=SG_EVENT_ID),
            "outbox_id": match.regex(str(case["outbox_id"]), regex=OUTBOX_ID),
            **fields,
        },
        min=1,
    )


def state(name: str, case: dict[str, Any]) -> tuple[State, ...]:
    return (State(name, {"email": case["email"], "outbox_id": str(case["outbox_id"])}),)


def deliver(body: bytes | str) -> str:
    return consumer_app.post_sendgrid(body)["processing"]


def outcome(case: dict[str, Any]) -> tuple[bool, str, str | None]:
    """What the operator sees: is the client undeliverable, and the mail's status and last error."""
    [mail] = consumer_app.mail_to(case["email"])
    assert mail["id"] == case["outbox_id"], mail
    return consumer_app.client(case["email"])["email_undeliverable"], mail["status"], mail["last_error"]


BOUNCED = "a booking mail to the client bounced"
BOUNCED_BEFORE = "a booking mail was sent to an address that bounced before"
UNKNOWN_TEMPLATE = "a booking mail named a template SendGrid does not have"
DELIVERED = "a booking mail was delivered"
BLOCKED = "the receiving server blocked a booking mail for now"


def hard_bounce(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        consumer_app.sent_mail(case["outbox_id"], case["email"])
        assert deliver(body) == "processed"
        assert outcome(case) == (True, "dead", f"SendGrid reported a bounce: {BOUNCE_REASON}")

    return MessageCase(
        SENDGRID_WEBHOOKS,
        "bounce, the receiving server refused the address",
        batch(case, "bounce", type=exactly("bounce"), reason=match.str(BOUNCE_REASON)),
        consume,
        states=state(BOUNCED, case),
    )


def blocked(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        consumer_app.sent_mail(case["outbox_id"], case["email"])
        assert deliver(body) == "ignored"  # the address itself is fine
        assert outcome(case) == (False, "sent", None)

    # SendGrid reports a temporary block as a bounce of type "blocked": the address is not at fault
    return MessageCase(
        SENDGRID_WEBHOOKS,
        "bounce, blocked for now by the receiving server",
        batch(case, "bounce", type=exactly("blocked"), reason=match.str(BLOCK_REASON)),
        consume,
        states=state(BLOCKED, case),
    )


def dropped_bounced_address(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        consumer_app.sent_mail(case["outbox_id"], case["email"])
        assert deliver(body) == "processed"
        assert outcome(case) == (True, "dead", f"SendGrid dropped the mail: {BOUNCED_ADDRESS}")

    # the handler looks for "bounced address" in the reason, whatever the case
    reason = match.regex(BOUNCED_ADDRESS, regex=r"(?i)bounced address")
    return MessageCase(
        SENDGRID_WEBHOOKS,
        "dropped, the address bounced before",
        batch(case, "dropped", reason=reason),
        consume,
        states=state(BOUNCED_BEFORE, case),
    )


def dropped_unknown_template(n: int) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        consumer_app.sent_mail(case["outbox_id"], case["email"])
        assert deliver(body) == "processed"
        assert outcome(case) == (False, "dead", f"SendGrid dropped the mail: {INVALID_TEMPLATE}")

    return MessageCase(
        SENDGRID_WEBHOOKS,
        "dropped, SendGrid does not have the template",
        batch(case, "dropped", reason=match.str(INVALID_TEMPLATE)),
        consume,
        states=state(UNKNOWN_TEMPLATE, case),
    )


def ignored(n: int, kind: str, description: str, state_name: str) -> MessageCase:
    case = ids(n)

    def consume(body, metadata) -> None:
        consumer_app.sent_mail(case["outbox_id"], case["email"])
        assert deliver(body) == "ignored"
        assert outcome(case) == (False, "sent", None)

    return MessageCase(SENDGRID_WEBHOOKS, description, batch(case, kind), consume, states=state(state_name, case))


CASES = [
    hard_bounce(301),
    blocked(302),
    dropped_bounced_address(303),
    dropped_unknown_template(304),
    ignored(305, "delivered", "delivered, an event the app does not act on", DELIVERED),
]
