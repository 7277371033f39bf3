"""Operator API (Bearer ``ADMIN_API_TOKEN``): onboard builders, inspect bookings and counts.

The other ``admin_*`` modules add Calendly, payments, mail and the webhook inbox, each with its
own blueprint under the same prefix and token gate (``operator``).

This is the documented surface that operators, the seed tooling and the test
harness use to set up and observe state; nothing reaches into the database.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app_under_test.catalog import (
    BuilderSpec,
    CatalogError,
    SessionTypeSpec,
    add_builder,
    add_pathway,
    add_session_type,
)
from app_under_test.db import get_db
from app_under_test.errors import error_response
from app_under_test.models import Booking, Builder, Client, OutboxMessage, Payment, SlotClaim, WebhookEvent
from app_under_test.views.api import BOOKING_LOADS, booking_json
from app_under_test.views.operator import operator_blueprint

blueprint = operator_blueprint("admin_api", __name__)
SpecT = TypeVar("SpecT", BuilderSpec, SessionTypeSpec)


def _spec(cls: type[SpecT], data: object) -> SpecT:
    if not isinstance(data, dict):
        raise CatalogError("expected a JSON object")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise CatalogError(f"unknown fields: {', '.join(unknown)}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise CatalogError(f"missing fields: {exc}") from exc


@blueprint.post("/builders")
def create_builder() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    try:
        spec = _spec(BuilderSpec, body)
        if not isinstance(spec.session_types, list):
            raise CatalogError("session_types must be a list")
        spec.session_types = [_spec(SessionTypeSpec, t) for t in spec.session_types]
        with get_db().transaction() as session:
            builder = add_builder(session, spec)
            result = {"slug": builder.slug, "session_types": [t.slug for t in builder.session_types]}
    except CatalogError as exc:
        return error_response(422, "invalid_builder", str(exc))
    except IntegrityError:  # a Calendly URI another builder has (checked by the database, race-free)
        return _already_exists()
    return jsonify(result), 201


@blueprint.post("/builders/<builder_slug>/session_types")
def create_session_type(builder_slug: str) -> ResponseReturnValue:
    try:
        spec = _spec(SessionTypeSpec, request.get_json(silent=True))
        with get_db().transaction() as session:
            builder = session.scalar(select(Builder).where(Builder.slug == builder_slug))
            if builder is None:
                return error_response(404, "unknown_builder", f"no builder {builder_slug!r}")
            session_type = add_session_type(builder, spec)
            session.flush()
            result = {"slug": session_type.slug, "builder": builder.slug}
    except CatalogError as exc:
        return error_response(422, "invalid_session_type", str(exc))
    except IntegrityError:
        return _already_exists()
    return jsonify(result), 201


@blueprint.post("/pathways")
def create_pathway() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
        return error_response(422, "invalid_pathway", "name is required")
    unknown = sorted(set(body) - {"name", "description", "slug"})
    if unknown:
        return error_response(422, "invalid_pathway", f"unknown fields: {', '.join(unknown)}")
    try:
        with get_db().transaction() as session:
            pathway = add_pathway(session, body["name"].strip(), body.get("description", ""), body.get("slug"))
            return jsonify({"slug": pathway.slug}), 201
    except CatalogError as exc:
        return error_response(422, "invalid_pathway", str(exc))
    except IntegrityError:
        return _already_exists()


def _already_exists() -> ResponseReturnValue:
    return error_response(409, "already_exists", "Something with the same slug or Calendly URI already exists.")


@blueprint.get("/bookings")
def list_bookings() -> ResponseReturnValue:
    statement = select(Booking).options(*BOOKING_LOADS).order_by(Booking.id)
    if builder := request.args.get("builder"):
        statement = statement.join(Builder, Booking.builder_id == Builder.id).where(Builder.slug == builder)
    if email := request.args.get("email"):
        statement = statement.join(Client, Booking.client_id == Client.id).where(Client.email == email.lower())
    with get_db().reader() as session:
        return {"bookings": [booking_json(b) for b in session.scalars(statement)]}


@blueprint.get("/stats")
def stats() -> ResponseReturnValue:
    """Row counts, so a check like "a refused request wrote nothing" needs no database access."""
    models = {
        "builders": Builder,
        "clients": Client,
        "bookings": Booking,
        "slot_claims": SlotClaim,
        "webhook_events": WebhookEvent,
        "outbox_messages": OutboxMessage,
        "payments": Payment,
    }
    with get_db().reader() as session:
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}
