"""One check for every request: text holding a NUL character is refused before any view runs.

No field of this service can hold a NUL: PostgreSQL refuses it in text (the query would fail with a
500), and no browser sends one. Checking here, once, covers the path, the query string, the form and
a JSON body alike, on every route but the provider webhooks (whose raw bodies are verified as bytes).
"""

from __future__ import annotations

from flask import Flask, request
from flask.typing import ResponseReturnValue

from app_under_test.errors import error_response

NUL = "\x00"


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _request_holds_nul() -> bool:
    # The URL's variables (request.view_args) are cut from this same decoded path: checking it covers them.
    if NUL in request.path:
        return True
    if any(_holds_nul(k) or _holds_nul(v) for k, v in request.args.items(multi=True)):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            return _holds_nul(request.get_json(silent=True))
        return any(_holds_nul(k) or _holds_nul(v) for k, v in request.form.items(multi=True))
    return False


def install(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters() -> ResponseReturnValue | None:
        if request.path.startswith("/webhooks/"):
            return None
        if _request_holds_nul():
            return error_response(
                400, "invalid_characters", "The request holds a NUL character, which no field here accepts."
            )
        return None
