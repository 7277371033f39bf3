"""From a booking change to the mails it causes, queued in the change's transaction.

``subscribers`` calls one function per booking event. Each finds the app's
configuration on the session (``delivery.CONFIG_KEY``; a session that is not
the app's, as in some unit tests, queues nothing), composes one mail per
recipient and queues it under its idempotency key.

Who gets what:
  confirmation  client and builder, once per booking
  cancellation  client and builder, once per booking, naming who canceled and any refund
  moved         client and builder, once per reschedule (old time -> new time), never a cancellation
  receipt       client, once per paid Checkout Session
  refund        client, once per Stripe refund
  reminder      client, once per booking and start time
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app_under_test.config import Config
from app_under_test.mail import compose, kinds, outbox
from app_under_test.mail.compose import Recipient, RefundInfo
from app_under_test.mail.delivery import CONFIG_KEY
from app_under_test.models import Booking, Payment, Refund
from app_under_test.payments import refunds
from app_under_test.timeutil import iso_z


def _config(session: Session) -> Config | None:
    config: Config | None = session.info.get(CONFIG_KEY)
    return config


def _mail(
    config: Config, kind: str, booking: Booking, recipient: Recipient, data: dict[str, Any], revision: str | None = None
) -> outbox.Mail:
    return outbox.Mail(
        key=outbox.idempotency_key(kind, booking.public_id, recipient.role, revision),
        kind=kind,
        recipient=recipient.email,
        template_id=kinds.template_id(config, kind),
        data=data,
        booking_id=booking.id,
    )


def _queue(
    session: Session,
    config: Config,
    kind: str,
    booking: Booking,
    recipient: Recipient,
    data: dict[str, Any],
    revision: str | None = None,
) -> bool:
    return bool(outbox.enqueue_many(session, [_mail(config, kind, booking, recipient, data, revision)]))


def _both(booking: Booking) -> tuple[Recipient, Recipient]:
    return compose.client_of(booking), compose.builder_of(booking)


def paid_payment(session: Session, booking: Booking) -> Payment | None:
    return session.scalar(
        select(Payment)
        .where(Payment.booking_id == booking.id, Payment.status.in_(("paid", "refunded")))
        .order_by(Payment.id.desc())
        .limit(1)
    )


def _refund_info(session: Session, booking: Booking) -> RefundInfo | None:
    """The refund a cancellation mail names: the booking's latest, whichever payment it returns (the one the
    cancellation just requested, not a duplicate payment's older refund; or, for a payment refunded in full
    before, that refund). With none recorded yet, the paid payment is what will come back."""
    payment = paid_payment(session, booking)
    if payment is None:
        return None
    latest = session.execute(
        select(Refund, Payment.currency)
        .join(Payment, Refund.payment_id == Payment.id)
        .where(Payment.booking_id == booking.id)
        .order_by(Refund.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        refund, currency = latest
        return RefundInfo(refund.amount_cents, currency, refunds.stripe_id(refund))
    return RefundInfo(payment.amount_cents, payment.currency, None)


def _confirmations(config: Config, booking: Booking, payment: Payment | None) -> list[outbox.Mail]:
    return [
        _mail(config, "confirmation", booking, recipient, compose.confirmation(config, booking, recipient, payment))
        for recipient in _both(booking)
    ]


def booking_confirmed(session: Session, booking: Booking) -> None:
    config = _config(session)
    if config is None:
        return
    outbox.enqueue_many(session, _confirmations(config, booking, paid_payment(session, booking)))


def paid_booking_confirmed(session: Session, booking: Booking, payment: Payment) -> None:
    """The confirmations and the receipt of a booking its payment just confirmed, in one statement."""
    config = _config(session)
    if config is None:
        return
    client = compose.client_of(booking)
    receipt = _mail(
        config,
        "receipt",
        booking,
        client,
        compose.receipt(config, booking, client, payment),
        payment.checkout_session_id,
    )
    outbox.enqueue_many(session, [*_confirmations(config, booking, payment), receipt])


def booking_canceled(session: Session, booking: Booking, *, canceler_type: str | None) -> None:
    config = _config(session)
    if config is None:
        return
    refund = _refund_info(session, booking)
    outbox.enqueue_many(
        session,
        [
            _mail(
                config,
                "cancellation",
                booking,
                recipient,
                compose.cancellation(config, booking, recipient, canceler_type=canceler_type, refund=refund),
            )
            for recipient in _both(booking)
        ],
    )


def booking_moved(session: Session, booking: Booking, *, previous_start: datetime) -> None:
    config = _config(session)
    if config is None:
        return
    revision = f"{iso_z(previous_start)}>{iso_z(booking.start_at)}"
    outbox.enqueue_many(
        session,
        [
            _mail(
                config,
                "moved",
                booking,
                recipient,
                compose.moved(config, booking, recipient, previous_start=previous_start),
                revision,
            )
            for recipient in _both(booking)
        ],
    )


def payment_refunded(session: Session, booking: Booking, refund: Refund) -> None:
    config = _config(session)
    if config is None:
        return
    payment = session.get_one(Payment, refund.payment_id)
    client = compose.client_of(booking)
    _queue(
        session,
        config,
        "refund",
        booking,
        client,
        compose.refund_receipt(config, booking, client, payment, refund),
        refund.stripe_refund_id,
    )


def reminder(session: Session, booking: Booking, *, now: datetime) -> bool:
    """Queue the reminder for the booking's current start time; False when it was queued before."""
    config = _config(session)
    if config is None:
        return False
    client = compose.client_of(booking)
    return _queue(
        session,
        config,
        "reminder",
        booking,
        client,
        compose.reminder(config, booking, client, now=now),
        iso_z(booking.start_at),
    )
