"""SendGrid's non-2xx answers, shared by every simulated v3 route.

Bodies follow SendGrid's ``{"errors": [{"message", "field", "help"}]}`` shape.
Texts: the 401 for a bad key, "authorization required" for a missing header,
"Bad Request" for unparseable JSON and the 429 body and ``X-RateLimit-*``
headers are SendGrid's; the 413, 500 and 503 texts are simulator wording.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from simulators.sendgrid.validation import FieldError

BAD_KEY = "The provided authorization grant is invalid, expired, or revoked"
RATE_LIMIT = 600  # SendGrid's default for most v3 endpoints (requests per minute)


def errors_response(
    status: int, errors: list[FieldError] | list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Response:
    items = [e.to_dict() if isinstance(e, FieldError) else e for e in errors]
    body = json.dumps({"errors": items}, separators=(",", ":"))
    return Response(body, status=status, headers=headers or {}, content_type="application/json")


def error(
    status: int,
    message: str,
    field: str | None = None,
    help_text: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return errors_response(status, [{"message": message, "field": field, "help": help_text}], headers)


def unauthorized(missing: bool) -> Response:
    if missing:
        return errors_response(401, [{"field": None, "message": "authorization required"}])
    return error(401, BAD_KEY)


def bad_json() -> Response:
    return error(400, "Bad Request")


def too_large(limit: int) -> Response:
    return error(
        413, "The JSON payload you have included in your request is too large.", None, f"The limit is {limit} bytes."
    )


def rate_limited(reset_at: int) -> Response:
    headers = {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)}
    return errors_response(429, [{"field": None, "message": "too many requests"}], headers)


def server_error(status: int) -> Response:
    message = "internal error" if status == 500 else "Service Unavailable"
    return error(status, message)
