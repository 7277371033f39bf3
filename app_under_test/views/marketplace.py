"""Marketplace (list and search by skill) and builder profiles."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app_under_test.db import get_db
from app_under_test.models import Builder, BuilderSkill

blueprint = Blueprint("marketplace", __name__)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip().lower()[:60]
    statement = select(Builder).options(selectinload(Builder.skills), selectinload(Builder.session_types))
    if query:
        statement = statement.where(
            Builder.id.in_(select(BuilderSkill.builder_id).where(BuilderSkill.skill.contains(query, autoescape=True)))
        )
    with get_db().reader() as session:
        builders = session.scalars(statement.order_by(Builder.name)).all()
        return render_template("marketplace.html", builders=builders, query=query)


@blueprint.get("/builders/<slug>")
def builder_profile(slug: str) -> ResponseReturnValue:
    with get_db().reader() as session:
        builder = session.scalar(
            select(Builder)
            .where(Builder.slug == slug)
            .options(selectinload(Builder.skills), selectinload(Builder.session_types))
        )
        if builder is None:
            abort(404)
        return render_template("builder.html", builder=builder)
