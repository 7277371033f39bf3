"""Session type -> time slot -> confirmation.

The slot picker shows a week of slots in the client's zone; the POST creates
the booking in one transaction (rules in ``booking_service``); confirmation is
a page addressed by the booking's unguessable public id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app_under_test.availability import CalendarUnavailable
from app_under_test.booking_service import BookingError, BookingRequest, create_booking, is_free, taken_blocks
from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.forms import BookingForm
from app_under_test.models import Booking, Builder, Client, Pathway, SessionKind, SessionType
from app_under_test.payments.checkout import open_checkout
from app_under_test.payments.gateway import PaymentsNotConfigured, ProviderError, app_client
from app_under_test.providers import app_config, slot_provider
from app_under_test.timeutil import (
    EARLIEST_DAY,
    LATEST_DAY,
    format_in_zone,
    is_valid_zone,
    parse_day,
    parse_utc_iso,
    zone,
)
from app_under_test.views.payments import payment_context, provider_unavailable, remember_held_booking
from app_under_test.views.zones import client_zone, remember_zone

blueprint = Blueprint("booking", __name__)


def _load_session_type(session: Session, builder_slug: str, type_slug: str) -> SessionType:
    session_type = session.scalar(
        select(SessionType)
        .join(Builder)
        .where(Builder.slug == builder_slug, SessionType.slug == type_slug)
        .options(selectinload(SessionType.builder))
    )
    if session_type is None:
        abort(404)
    return session_type


class BadWeek(ValueError):
    """The ``week`` query parameter is not a supported date."""


def _week_start(zone_name: str) -> date:
    raw = request.args.get("week", "")
    if not raw:
        return datetime.now(zone(zone_name)).date()
    try:
        return parse_day(raw)
    except ValueError as exc:
        raise BadWeek(str(exc)) from exc


def _bad_week() -> ResponseReturnValue:
    return error_response(
        400, "invalid_week", f"The week must be a date written YYYY-MM-DD between {EARLIEST_DAY} and {LATEST_DAY}."
    )


def _slots_by_day(
    session: Session, session_type: SessionType, zone_name: str, week: date
) -> list[tuple[date, list[dict[str, Any]]]]:
    local_zone = zone(zone_name)
    start = datetime.combine(week, datetime.min.time(), local_zone).astimezone(UTC)
    end = datetime.combine(week + timedelta(days=7), datetime.min.time(), local_zone).astimezone(UTC)
    taken = taken_blocks(session, session_type.builder_id, start, end + timedelta(days=1))
    days: dict[date, list[dict[str, Any]]] = {}
    for slot in slot_provider().available_slots(session_type, start, end):
        if not is_free(slot.start, slot.end, taken):
            continue
        local = slot.start.astimezone(local_zone)
        days.setdefault(local.date(), []).append(
            {
                "value": slot.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "label": local.strftime("%H:%M"),
                "zone_abbr": local.tzname(),
            }
        )
    return sorted(days.items())


def _render_picker(
    session: Session,
    session_type: SessionType,
    form: BookingForm,
    zone_name: str,
    status: int = 200,
    error: str | None = None,
) -> Response:
    week = _week_start(zone_name)
    pathways = session.scalars(select(Pathway).order_by(Pathway.name)).all()
    form.pathway.choices = [("", "Choose a pathway")] + [(p.slug, p.name) for p in pathways]
    form.timezone.data = zone_name
    body = render_template(
        "session.html",
        session_type=session_type,
        builder=session_type.builder,
        form=form,
        zone_name=zone_name,
        days=_slots_by_day(session, session_type, zone_name, week),
        week=week,
        previous_week=week - timedelta(days=7),
        next_week=week + timedelta(days=7),
        error=error,
    )
    return remember_zone(make_response(body, status), zone_name)


def _calendar_unavailable() -> Response:
    """The calendar could not be asked: a clear, retryable answer (nothing was written)."""
    response = make_response(
        error_response(
            503,
            "calendar_unavailable",
            "The calendar cannot be reached right now; nothing was booked. Please try again in a minute.",
        )
    )
    response.headers["Retry-After"] = "60"
    return response


@blueprint.get("/builders/<builder_slug>/sessions/<type_slug>")
def pick_slot(builder_slug: str, type_slug: str) -> ResponseReturnValue:
    with get_db().reader() as session:
        session_type = _load_session_type(session, builder_slug, type_slug)
        if session_type.kind is SessionKind.PATHWAY and not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        try:
            return _render_picker(session, session_type, BookingForm(), client_zone())
        except CalendarUnavailable:
            return _calendar_unavailable()
        except BadWeek:
            return _bad_week()


@blueprint.post("/builders/<builder_slug>/sessions/<type_slug>/book")
def book(builder_slug: str, type_slug: str) -> ResponseReturnValue:
    form = BookingForm()
    anonymous = not current_user.is_authenticated
    with get_db().reader() as session:
        session_type = _load_session_type(session, builder_slug, type_slug)
        if session_type.kind is SessionKind.PATHWAY and anonymous:
            return error_response(
                401, "sign_in_required", "Pathway sessions are for signed-in clients; please sign in first."
            )
        if not form.validate_for(anonymous=anonymous):
            zone_name = form.timezone.data if not form.timezone.errors else client_zone()
            try:
                return _render_picker(
                    session, session_type, form, zone_name, status=422, error="Please correct the highlighted fields."
                )
            except CalendarUnavailable:
                return _calendar_unavailable()
            except BadWeek:
                return _bad_week()
        kind = session_type.kind
    stripe_client = None
    if kind is SessionKind.PAID:
        try:
            stripe_client = app_client()
        except PaymentsNotConfigured as exc:
            return error_response(503, "payments_unavailable", str(exc))

    try:
        with get_db().transaction() as session:
            session_type = _load_session_type(session, builder_slug, type_slug)
            account = None if anonymous else session.get(Client, current_user.id)
            booking = create_booking(
                session,
                BookingRequest(
                    session_type=session_type,
                    start_at=parse_utc_iso(form.slot.data),
                    client_name=account.name if account else form.name.data,
                    client_email=account.email if account else form.email.data,
                    client_timezone=form.timezone.data,
                    account=account,
                    pathway_slug=form.pathway.data or None,
                ),
                slot_provider(),
                hold_minutes=app_config().payment_hold_minutes,
            )
            public_id = booking.public_id
            # Paid: the Checkout Session is opened inside this transaction, so a Stripe failure writes nothing.
            next_url = (
                open_checkout(session, booking, stripe_client, app_config()).checkout_url if stripe_client else None
            )
    except BookingError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except CalendarUnavailable:
        return _calendar_unavailable()
    except ProviderError as exc:
        return provider_unavailable(exc)
    if anonymous:
        remember_held_booking(public_id)
    return redirect(next_url or url_for("booking.confirmation", public_id=public_id), code=303)


@blueprint.get("/bookings/<public_id>")
def confirmation(public_id: str) -> ResponseReturnValue:
    with get_db().reader() as session:
        booking = session.scalar(
            select(Booking)
            .where(Booking.public_id == public_id)
            .options(
                selectinload(Booking.builder),
                selectinload(Booking.session_type),
                selectinload(Booking.pathway),
                selectinload(Booking.client),
            )
        )
        if booking is None:
            abort(404)
        asked_zone = request.args.get("tz")
        zone_name = asked_zone if is_valid_zone(asked_zone) else booking.client_timezone
        return render_template(
            "confirmation.html",
            booking=booking,
            zone_name=zone_name,
            local_start=format_in_zone(booking.start_at, zone_name),
            builder_start=format_in_zone(booking.start_at, booking.builder.timezone),
            **payment_context(booking),
        )
