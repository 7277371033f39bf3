"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: the database answers)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from app_under_test.db import get_db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        get_db().ping()
    except SQLAlchemyError as exc:
        response = jsonify({"status": "unavailable", "checks": {"database": type(exc).__name__}})
        response.status_code = 503
        return response
    return {"status": "ready", "checks": {"database": "ok"}}
