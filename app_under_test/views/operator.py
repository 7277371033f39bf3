"""What every operator API module shares: its Bearer-token gate, the JSON body, the ``as_of`` instant.

Each ``admin_*`` module owns a blueprint made here under ``/admin/api``, so each one is complete
on its own and registered like any other; the token check runs for every one of them. Without a
configured ``ADMIN_API_TOKEN`` the whole API answers 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, make_response, request
from werkzeug.wrappers import Response

from app_under_test.errors import error_response
from app_under_test.providers import app_config
from app_under_test.timeutil import parse_utc_iso

URL_PREFIX = "/admin/api"


def operator_blueprint(name: str, import_name: str) -> Blueprint:
    blueprint = Blueprint(name, import_name, url_prefix=URL_PREFIX)
    blueprint.before_request(require_operator_token)
    return blueprint


def require_operator_token() -> Response | None:
    token = app_config().admin_api_token
    if not token:
        abort(404)
    supplied = bearer_token(request.headers.get("Authorization", ""))
    if supplied is None or not hmac.compare_digest(supplied.encode(), token.encode()):
        response = make_response(
            error_response(401, "unauthorized", "A valid operator token is required (Authorization: Bearer <token>).")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="operator API"'
        return response
    return None


def bearer_token(header: str) -> str | None:
    """The credentials of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive,
    RFC 9110 11.1); None for any other scheme, or for a bare token."""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def json_object() -> dict[str, Any]:
    """The request's JSON object body; no body means no options (``{}``); anything else is refused (422)."""
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        abort(make_response(error_response(422, "invalid_body", "The body must be a JSON object.")))
    return body


def as_of(body: dict[str, Any]) -> datetime | None:
    """``{"as_of": "<ISO instant>"}`` asks "as if it were that late" (cron catching up, or a test skipping
    ahead); None when absent. Anything but an instant with an offset is refused (422)."""
    if body.get("as_of") is None:
        return None
    try:
        return parse_utc_iso(str(body["as_of"]))
    except ValueError:
        abort(make_response(error_response(422, "invalid_as_of", "as_of must be an ISO-8601 instant with an offset")))
