"""Public JSON API: what a client (or a test) may read about one booking, by its unguessable id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app_under_test.db import get_db
from app_under_test.models import Booking
from app_under_test.payments.records import payment_json
from app_under_test.timeutil import format_in_zone, iso_z

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def booking_json(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.public_id,
        "status": booking.status.value,
        "builder": booking.builder.slug,
        "session_type": booking.session_type.slug,
        "kind": booking.session_type.kind.value,
        "pathway": booking.pathway.slug if booking.pathway else None,
        "client_email": booking.client.email,
        "start_at": iso_z(booking.start_at),
        "end_at": iso_z(booking.end_at),
        "client_timezone": booking.client_timezone,
        "start_in_client_zone": format_in_zone(booking.start_at, booking.client_timezone),
        "price_cents": booking.price_cents,
        "currency": booking.currency,
        "hold_expires_at": iso_z(booking.hold_expires_at) if booking.hold_expires_at else None,
        "calendly_event_uri": booking.calendly_event_uri,
        "calendly_invitee_uri": booking.calendly_invitee_uri,
        "no_show": booking.no_show,
        "source": booking.source,
        "cancel_reason": booking.cancel_reason,
        "canceled_by": booking.canceled_by,
        "status_changed_at": iso_z(booking.status_changed_at),
        "payment": payment_json(booking),
    }


BOOKING_LOADS = (
    selectinload(Booking.builder),
    selectinload(Booking.session_type),
    selectinload(Booking.pathway),
    selectinload(Booking.client),
)


@blueprint.get("/bookings/<public_id>")
def get_booking(public_id: str) -> ResponseReturnValue:
    with get_db().reader() as session:
        booking = session.scalar(select(Booking).where(Booking.public_id == public_id).options(*BOOKING_LOADS))
        if booking is None:
            abort(404)
        return booking_json(booking)
