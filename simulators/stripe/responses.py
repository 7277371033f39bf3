"""JSON responses with Stripe's formatting (two-space pretty-printed bodies)."""

from __future__ import annotations

from typing import Any

from flask import Response

from simulators.stripe import errors
from simulators.stripe.events import serialize


def json_response(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(serialize(payload), status=status, content_type="application/json")


def error_response(error: errors.StripeError) -> Response:
    response = json_response(error.body(), error.status)
    response.headers.update(error.headers)
    return response
