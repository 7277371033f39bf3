"""Which time zone to show a page in: explicit choice, then cookie, then account, then UTC."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from app_under_test.timeutil import is_valid_zone

COOKIE = "tz"


def client_zone() -> str:
    for candidate in (
        request.args.get("tz"),
        request.cookies.get(COOKIE),
        getattr(current_user, "timezone", None) if current_user.is_authenticated else None,
    ):
        if is_valid_zone(candidate):
            return candidate
    return "UTC"


def remember_zone(response: Response, zone_name: str) -> Response:
    if request.args.get("tz") == zone_name:
        response.set_cookie(COOKIE, zone_name, max_age=365 * 24 * 3600, samesite="Lax", httponly=False)
    return response
