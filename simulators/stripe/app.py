"""The simulated Stripe server, mounted at ``/stripe``.

Clients point at it with ``stripe.api_base = "<simulator>/stripe"`` or
``StripeClient(key, base_addresses={"api": "<simulator>/stripe"})``. Every API
request goes through one pipeline, in Stripe's order: expire overdue sessions
-> "down" fault -> secret-key auth -> injected fault (before) -> idempotency
replay -> the route -> store the idempotent result -> publish webhook events
-> injected fault (after). The hosted checkout page lives in the same app
(``checkout_page``) so its URLs share the host the API handed out.
"""

from __future__ import annotations

import base64
import contextlib
import socket

from flask import Flask, Response, g, request

from simulators.hub import SimHub
from simulators.stripe import errors
from simulators.stripe.api import api_blueprint
from simulators.stripe.checkout import expire_overdue
from simulators.stripe.checkout_page import page_blueprint
from simulators.stripe.faults import Fault
from simulators.stripe.formcodec import FormDecodeError, decode_form
from simulators.stripe.idempotency import StoredResult
from simulators.stripe.responses import error_response
from simulators.stripe.state import StripeState, for_hub
from simulators.stripe.webhooks import publish


def _fault_response(fault: Fault | None, down: str | None = None) -> Response:
    kind = down or (fault.response if fault else "500")
    if kind == "reset" and _drop_connection():
        return Response(b"", status=503)
    error = errors.rate_limited() if kind == "429" else errors.api_error(503 if kind in ("503", "reset") else 500)
    response = error_response(error)
    if fault is not None and fault.should_retry is not None:
        response.headers["Stripe-Should-Retry"] = "true" if fault.should_retry else "false"
    return response


def _drop_connection() -> bool:
    """Close the client's socket so it sees a connection error (werkzeug's server only)."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return False
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    return True


def _api_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials).decode().split(":", 1)[0] or None
        except ValueError:
            return None
    return None


def _authenticate(state: StripeState) -> str:
    key = _api_key()
    if key is None:
        raise errors.authentication(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    allowed = state.config.api_keys
    known = key in allowed if allowed is not None else key.startswith(("sk_test_", "rk_test_"))
    if not known:
        raise errors.authentication(f"Invalid API Key provided: {key[:8]}{'*' * 4}{key[-4:]}")
    return key


def _before_api(state: StripeState) -> Response | None:
    if state.faults.down:
        return _fault_response(None, state.faults.down)
    g.api_key = _authenticate(state)
    try:
        raw = request.get_data(as_text=True) if request.method == "POST" else request.query_string.decode()
        g.params = decode_form(raw or request.query_string.decode())
    except FormDecodeError as exc:
        raise errors.invalid(str(exc)) from None
    fault = state.faults.take(request.method, request.path)
    if fault is not None and fault.when == "before":
        if fault.response != "timeout":
            return _fault_response(fault)
        state.faults.hold(fault.hold_seconds)
    elif fault is not None:
        g.after_fault = fault
    key = request.headers.get("Idempotency-Key")
    if request.method == "POST" and key:
        if len(key) > 255:
            raise errors.invalid("Idempotency key is too long (maximum 255 characters).")
        stored = state.idempotency.begin(g.api_key, key, request.method, request.path, g.params, state.hub.clock.now())
        if stored is not None:
            response = Response(stored.body, status=stored.status, content_type="application/json")
            response.headers.update({"Idempotent-Replayed": "true", "Original-Request": stored.request_id})
            return response
        g.idempotency_key = key
    return None


def _store_idempotent_result(state: StripeState, response: Response) -> None:
    key = g.pop("idempotency_key", None)
    if key is None:
        return
    executed = response.status_code < 400 or g.get("error_saves_result", False)
    result = (
        StoredResult(
            request.method,
            request.path,
            g.params,
            response.status_code,
            response.get_data(),
            g.request_id,
            state.hub.clock.now(),
        )
        if executed
        else None
    )
    state.idempotency.finish(g.api_key, key, result)


def create_app(hub: SimHub) -> Flask:
    state = for_hub(hub)
    app = Flask("simulators.stripe")
    app.register_blueprint(api_blueprint(state))
    app.register_blueprint(page_blueprint(state))

    @app.before_request
    def before() -> Response | None:
        with state.lock:
            g.request_id = state.new_id("req")
        expire_overdue(state)
        if request.path.startswith("/v1/"):
            return _before_api(state)
        return None

    @app.after_request
    def after(response: Response) -> Response:
        if request.path.startswith("/v1/"):
            _store_idempotent_result(state, response)
            response.headers["Request-Id"] = g.request_id
            response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", state.config.api_version)
            if request.headers.get("Idempotency-Key") and request.method == "POST":
                response.headers["Idempotency-Key"] = request.headers["Idempotency-Key"]
        publish(state)
        fault = g.pop("after_fault", None)
        if fault is not None:
            if fault.response == "timeout":
                state.faults.hold(fault.hold_seconds)
                return response
            return _fault_response(fault)
        return response

    @app.errorhandler(errors.StripeError)
    def stripe_error(error: errors.StripeError) -> Response:
        g.error_saves_result = error.saves_result
        return error_response(error)

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> Response:
        return error_response(
            errors.StripeError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        )

    @app.errorhandler(405)
    def not_allowed(_exc: Exception) -> Response:
        return not_found(_exc)

    @app.get("/")
    def index() -> Response:
        return Response(
            "<!doctype html><title>Stripe simulator</title><h1>Stripe simulator</h1>"
            "<p>API base: this URL. Control API: <code>/_sim/stripe</code>.</p>",
            content_type="text/html",
        )

    return app
