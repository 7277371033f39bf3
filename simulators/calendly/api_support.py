"""The parts every Calendly API route shares: errors, auth, rate limit, pagination.

Calendly answers errors as ``{title, message, details?}``, lists as
``{collection, pagination}`` with opaque page tokens, and rate limits with 429
plus ``X-RateLimit-*`` headers. Rate-limit windows run on the virtual clock,
so a test can advance past a window instead of waiting for it.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from flask import Response, g, jsonify, request

from simulators.calendly.actions import ActionError, invalid
from simulators.calendly.state import CalendlyState

NOT_FOUND = ("Resource Not Found", "The server could not find the requested resource.")


def error(status: int, title: str, message: str, details: list[dict[str, str]] | None = None) -> Response:
    body: dict[str, Any] = {"title": title, "message": message}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    return response


def from_action_error(exc: ActionError) -> Response:
    return error(exc.status, exc.title, exc.message, exc.details)


def not_found() -> ActionError:
    return ActionError(404, *NOT_FOUND)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 in Calendly's shape."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ActionError(400, "Invalid Argument", "The request body must be a JSON object.")
    return body


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "offset" or not number.isdigit():
            raise ValueError(token)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("page_token", "is invalid") from None


def paginate(items: list[Any], render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    raw_count = request.args.get("count", "20")
    if not raw_count.isdigit() or not 1 <= int(raw_count) <= 100:
        raise invalid("count", "must be an integer between 1 and 100")
    count = int(raw_count)
    token = request.args.get("page_token")
    offset = _decode_token(token) if token else 0
    page = items[offset : offset + count]

    def link(new_offset: int | None) -> tuple[str | None, str | None]:
        if new_offset is None:
            return None, None
        new_token = _encode_token(new_offset)
        args = {k: v for k, v in request.args.items() if k != "page_token"} | {"page_token": new_token}
        return f"{request.base_url}?{urlencode(args)}", new_token

    next_page, next_token = link(offset + count if offset + count < len(items) else None)
    previous_page, previous_token = link(max(offset - count, 0) if offset > 0 else None)
    return {
        "collection": [render(item) for item in page],
        "pagination": {
            "count": len(page),
            "next_page": next_page,
            "previous_page": previous_page,
            "next_page_token": next_token,
            "previous_page_token": previous_token,
        },
    }


def authenticate(state: CalendlyState) -> Response | None:
    """Bearer auth, then the configured faults (outage, rate limit). Sets ``g.user``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user_uuid = state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if user_uuid is None:
        return error(401, "Unauthenticated", "The access token is invalid")
    g.user = state.users[user_uuid]
    with state.lock:
        outage = state.config.fail_next
        if outage:
            outage["times"] -= 1
            if outage["times"] <= 0:
                state.config.fail_next = None
            return error(outage["status"], "Internal Server Error", "The server encountered an unexpected condition.")
        return _rate_limit(state, token.strip())


def _rate_limit(state: CalendlyState, key: str) -> Response | None:
    config = state.config.rate_limit
    if not config:
        return None
    now = state.now()
    start, used = state.rate_window.get(key, (now, 0))
    if now - start >= config["window_seconds"]:
        start, used = now, 0
    used += 1
    state.rate_window[key] = (start, used)
    reset = max(0, math.ceil(start + config["window_seconds"] - now))
    g.rate_headers = {
        "X-RateLimit-Limit": str(config["limit"]),
        "X-RateLimit-Remaining": str(max(0, config["limit"] - used)),
        "X-RateLimit-Reset": str(reset),
    }
    if used > config["limit"]:
        return error(429, "Too Many Requests", "You have exceeded the rate limit. Please try again later.")
    return None


def add_rate_headers(response: Response) -> Response:
    for name, value in getattr(g, "rate_headers", {}).items():
        response.headers[name] = value
    return response


def filter_items(items: Iterable[Any], *checks: Callable[[Any], bool]) -> list[Any]:
    return [item for item in items if all(check(item) for check in checks)]
