"""Error answers: a precise status with a JSON reason for API clients, a readable page for browsers."""

from __future__ import annotations

from typing import Any

import structlog
from flask import Flask, Response, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app_under_test.observability import report_exception

log = structlog.get_logger("errors")
DATABASE_RETRY_AFTER = 30  # seconds


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/webhooks/", "/admin/api/", "/healthz", "/readyz")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, **extra: Any) -> Response | tuple[str, int]:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, **extra}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, code=code, message=message, extra=extra), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        if request.endpoint == "auth.sign_out" and not current_user.is_authenticated:
            # A sign-out form from a tab whose visit already ended elsewhere (its token went with the visit):
            # there is nothing left to sign out or to protect, so the client goes home as after any sign-out.
            return redirect(url_for("marketplace.index"), code=303)
        return error_response(
            400, "csrf_failed", "The form expired or was not sent from this site; please reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        code = (exc.name or "error").lower().replace(" ", "_")
        messages = {
            404: "There is nothing at this address.",
            405: "This address does not accept that method.",
            413: "The request body is larger than this endpoint accepts.",
        }
        return error_response(exc.code or 500, code, messages.get(exc.code or 500, exc.description or exc.name))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unreachable(exc: Exception) -> ResponseReturnValue:
        # The database is down or restarting: nothing was written (every write is one transaction), and
        # trying again shortly is the right advice, for a browser and for a script alike.
        log.warning("database_unreachable", error=type(exc).__name__, path=request.path)
        # The page must not ask the database who is in. (flask-login, untyped, attaches itself to the app.)
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
        response = make_response(
            error_response(
                503,
                "service_unavailable",
                "The service is briefly unavailable; nothing was changed. Please try again in a minute.",
            )
        )
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception) -> ResponseReturnValue:
        report_exception(exc)
        return error_response(500, "internal_error", "Something went wrong on our side; it has been reported.")
