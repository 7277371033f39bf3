"""The booking service's tables (SQLAlchemy 2 typed ORM).

Times are stored as timezone-aware UTC everywhere; a client's or builder's zone
is kept only to *present* times. Double-booking is made impossible by the
database itself: every active booking claims the 15-minute blocks it covers in
``slot_claims``, whose primary key is (builder, block start). Two concurrent
requests for overlapping times therefore cannot both commit, on SQLite or
PostgreSQL, whatever the application code does.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app_under_test.timeutil import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CLAIM_BLOCK_MINUTES = 15


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class SessionKind(str, enum.Enum):  # noqa: UP042 (StrEnum would change str() of members, which templates and logs show)
    FREE = "free"
    PATHWAY = "pathway"
    PAID = "paid"


class BookingStatus(str, enum.Enum):  # noqa: UP042 (StrEnum would change str() of members, which templates and logs show)
    PENDING_PAYMENT = "pending_payment"  # slot held while the client pays
    CONFIRMED = "confirmed"
    CANCELED = "canceled"
    EXPIRED = "expired"  # hold released without payment


ACTIVE_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)


class Builder(Base):
    __tablename__ = "builders"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    headline: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64))
    calendly_user_uri: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    skills: Mapped[list[BuilderSkill]] = relationship(
        back_populates="builder", cascade="all, delete-orphan", order_by="BuilderSkill.skill"
    )
    session_types: Mapped[list[SessionType]] = relationship(
        back_populates="builder", cascade="all, delete-orphan", order_by="SessionType.id"
    )


class BuilderSkill(Base):
    __tablename__ = "builder_skills"
    builder_id: Mapped[int] = mapped_column(ForeignKey("builders.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(60), primary_key=True)  # stored lower case for search
    builder: Mapped[Builder] = relationship(back_populates="skills")


class Pathway(Base):
    __tablename__ = "pathways"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")


class SessionType(Base):
    __tablename__ = "session_types"
    __table_args__ = (UniqueConstraint("builder_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    builder_id: Mapped[int] = mapped_column(ForeignKey("builders.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SessionKind] = mapped_column(
        Enum(SessionKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)  # integer minor units, never floats
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    calendly_event_type_uri: Mapped[str | None] = mapped_column(String(255), unique=True)
    builder: Mapped[Builder] = relationship(back_populates="session_types")


class Client(UserMixin, Base):  # type: ignore[misc]  # Flask-Login is untyped
    """A person who books. An account (password) is optional: free sessions need only name + email."""

    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised lower case
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str | None] = mapped_column(String(64))
    email_undeliverable: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of every session cookie's user id: raising it (sign-out, password change) ends every earlier session.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def has_account(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


class Booking(Base):
    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # what URLs, metadata and mails carry
    builder_id: Mapped[int] = mapped_column(ForeignKey("builders.id"))
    session_type_id: Mapped[int] = mapped_column(ForeignKey("session_types.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathways.id"))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    client_timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e]), index=True
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    hold_expires_at: Mapped[datetime | None]
    calendly_event_uri: Mapped[str | None] = mapped_column(String(255))
    calendly_invitee_uri: Mapped[str | None] = mapped_column(String(255), unique=True)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show_changed_at: Mapped[datetime | None]  # time of the provider event that last set no_show
    source: Mapped[str] = mapped_column(
        String(20), default="app", server_default="app"
    )  # app | calendly (booked on Calendly directly)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    canceled_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    builder: Mapped[Builder] = relationship()
    session_type: Mapped[SessionType] = relationship()
    client: Mapped[Client] = relationship()
    pathway: Mapped[Pathway | None] = relationship()
    claims: Mapped[list[SlotClaim]] = relationship(back_populates="booking", cascade="all, delete-orphan")


class SlotClaim(Base):
    """One 15-minute block of a builder's calendar held by an active booking."""

    __tablename__ = "slot_claims"
    builder_id: Mapped[int] = mapped_column(ForeignKey("builders.id"), primary_key=True)
    block_start: Mapped[datetime] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    booking: Mapped[Booking] = relationship(back_populates="claims")


class WebhookEvent(Base):
    """The durable inbox: a verified provider event, stored before it is acknowledged."""

    __tablename__ = "webhook_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(512), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)  # the raw verified body, exactly as received
    status: Mapped[str] = mapped_column(
        String(20), default="received", index=True
    )  # received|processed|retry|dead|ignored
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An email to send, keyed so that a replayed event never sends it twice."""

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    recipient: Mapped[str] = mapped_column(String(254))
    template_id: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|sent|retry|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Payment(Base):
    """A Stripe Checkout Session opened for a booking (one booking may need several attempts)."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    checkout_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|paid|failed|expired|refunded
    card_last4: Mapped[str | None] = mapped_column(String(4))
    failure_code: Mapped[str | None] = mapped_column(String(80))  # last decline/failure code from Stripe
    checkout_url: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    stripe_refund_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoutingFormSubmission(Base):
    __tablename__ = "routing_form_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(255), unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    submitter_uri: Mapped[str | None] = mapped_column(String(255))
    routing_form_uri: Mapped[str | None] = mapped_column(String(255))
    result_event_type_uri: Mapped[str | None] = mapped_column(String(255))
    answers: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
