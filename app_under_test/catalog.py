"""Builders, their session types and pathways: creation rules shared by the seed
command and the operator API, so both produce the same, validated records."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app_under_test.models import Builder, BuilderSkill, Pathway, SessionKind, SessionType
from app_under_test.timeutil import is_valid_zone

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY = re.compile(r"^[a-z]{3}$")


class CatalogError(ValueError):
    """Invalid builder/session type data; the message names the field."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


@dataclass
class SessionTypeSpec:
    name: str
    kind: str
    duration_minutes: int
    price_cents: int = 0
    currency: str = "usd"
    description: str = ""
    slug: str | None = None
    calendly_event_type_uri: str | None = None


@dataclass
class BuilderSpec:
    name: str
    timezone: str
    email: str
    headline: str = ""
    bio: str = ""
    skills: list[str] = field(default_factory=list)
    slug: str | None = None
    calendly_user_uri: str | None = None
    session_types: list[SessionTypeSpec] = field(default_factory=list)


MAX_PRICE_CENTS = 10_000_000  # a session costing more than 100,000 in major units is a typo


def _text(field_name: str, value: object, limit: int, *, optional: bool = False, one_line: bool = True) -> None:
    """Operator input is checked like a form's: the right type, a length the column holds, no line breaks."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise CatalogError(f"{field_name} must be a string")
    if len(value) > limit:
        raise CatalogError(f"{field_name} must be at most {limit} characters")
    if one_line and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise CatalogError(f"{field_name} must be one line without control characters")


def _check_builder(spec: BuilderSpec) -> None:
    _text("name", spec.name, 120)
    _text("timezone", spec.timezone, 64)
    _text("email", spec.email, 254)
    if "@" not in spec.email:
        raise CatalogError("email must be an email address")
    _text("headline", spec.headline, 200)
    _text("bio", spec.bio, 10_000, one_line=False)
    _text("slug", spec.slug, 80, optional=True)
    _text("calendly_user_uri", spec.calendly_user_uri, 255, optional=True)
    if not isinstance(spec.skills, list) or len(spec.skills) > 30:
        raise CatalogError("skills must be a list of at most 30 strings")
    for skill in spec.skills:
        _text("skills", skill, 60)


def _check_session_type(spec: SessionTypeSpec) -> None:
    _text("name", spec.name, 120)
    _text("kind", spec.kind, 16)
    _text("description", spec.description, 10_000, one_line=False)
    _text("slug", spec.slug, 80, optional=True)
    _text("currency", spec.currency, 3)
    _text("calendly_event_type_uri", spec.calendly_event_type_uri, 255, optional=True)
    if isinstance(spec.price_cents, bool) or isinstance(spec.duration_minutes, bool):
        raise CatalogError("duration_minutes and price_cents must be integers")
    if isinstance(spec.price_cents, int) and spec.price_cents > MAX_PRICE_CENTS:
        raise CatalogError(f"price_cents must be at most {MAX_PRICE_CENTS}")
    if not spec.name.strip():
        raise CatalogError("name is required")
    if spec.kind not in {k.value for k in SessionKind}:
        raise CatalogError(f"kind must be one of free, pathway, paid (got {spec.kind!r})")
    if (
        not isinstance(spec.duration_minutes, int)
        or not 15 <= spec.duration_minutes <= 480
        or spec.duration_minutes % 15
    ):
        raise CatalogError("duration_minutes must be a multiple of 15 between 15 and 480")
    if not isinstance(spec.price_cents, int) or spec.price_cents < 0:
        raise CatalogError("price_cents must be a non-negative integer (minor units)")
    if spec.kind == SessionKind.PAID.value and spec.price_cents < 50:
        raise CatalogError("a paid session needs price_cents of at least 50")
    if spec.kind != SessionKind.PAID.value and spec.price_cents:
        raise CatalogError("only paid sessions carry a price")
    if not CURRENCY.match(spec.currency or ""):
        raise CatalogError("currency must be a three-letter lower-case ISO code, e.g. usd")


def add_builder(session: Session, spec: BuilderSpec) -> Builder:
    _check_builder(spec)
    slug = slugify(spec.name) if spec.slug is None else spec.slug  # a given slug is used as given
    if not SLUG.match(slug):
        raise CatalogError("slug must be lower-case letters, digits and dashes")
    if not spec.name.strip():
        raise CatalogError("name is required")
    if not is_valid_zone(spec.timezone):
        raise CatalogError(f"timezone {spec.timezone!r} is not an IANA time zone")
    if session.scalar(select(Builder.id).where(Builder.slug == slug)) is not None:
        raise CatalogError(f"a builder with slug {slug!r} already exists")
    builder = Builder(
        slug=slug,
        name=spec.name.strip(),
        headline=spec.headline,
        bio=spec.bio,
        timezone=spec.timezone,
        email=spec.email.lower(),
        calendly_user_uri=spec.calendly_user_uri,
    )
    builder.skills = [BuilderSkill(skill=s.strip().lower()) for s in dict.fromkeys(spec.skills) if s.strip()]
    session.add(builder)
    for type_spec in spec.session_types:
        add_session_type(builder, type_spec)
    session.flush()
    return builder


def add_session_type(builder: Builder, spec: SessionTypeSpec) -> SessionType:
    _check_session_type(spec)
    type_slug = slugify(spec.name) if spec.slug is None else spec.slug
    if not SLUG.match(type_slug):
        raise CatalogError("session type slug must be lower-case letters, digits and dashes")
    if any(t.slug == type_slug for t in builder.session_types):
        raise CatalogError(f"{builder.slug} already has a session type {type_slug!r}")
    session_type = SessionType(
        slug=type_slug,
        name=spec.name,
        description=spec.description,
        kind=SessionKind(spec.kind),
        duration_minutes=spec.duration_minutes,
        price_cents=spec.price_cents,
        currency=spec.currency,
        calendly_event_type_uri=spec.calendly_event_type_uri,
    )
    builder.session_types.append(session_type)
    return session_type


def add_pathway(session: Session, name: str, description: str = "", slug: str | None = None) -> Pathway:
    _text("name", name, 120)
    _text("description", description, 10_000, one_line=False)
    _text("slug", slug, 80, optional=True)
    slug = slugify(name) if slug is None else slug
    if not SLUG.match(slug):
        raise CatalogError("slug must be lower-case letters, digits and dashes")
    if session.scalar(select(Pathway.id).where(Pathway.slug == slug)) is not None:
        raise CatalogError(f"a pathway with slug {slug!r} already exists")
    pathway = Pathway(slug=slug, name=name, description=description)
    session.add(pathway)
    session.flush()
    return pathway
