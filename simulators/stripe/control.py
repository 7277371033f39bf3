"""Stripe control routes under ``/_sim/stripe``: configuration, faults, and customer actions.

Tests drive the simulator through these routes, never through the fake API:
pay a session as the customer would (with any test card, 3-D Secure passed or
failed, in the customer's own currency), settle a delayed payment or an
asynchronous refund, expire sessions, roll a webhook secret, make the API fail.
Answers are JSON; errors are ``{"error": message}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from simulators.hub import SimHub
from simulators.stripe import cards, workbench
from simulators.stripe.checkout import expire, expire_overdue, localize
from simulators.stripe.errors import StripeError
from simulators.stripe.faults import FaultError
from simulators.stripe.payments import PaymentRefused, authenticate, pay_card, pay_delayed, settle
from simulators.stripe.refunds import RefundNotSettleable, settle_refund
from simulators.stripe.state import Config, for_hub
from simulators.stripe.webhooks import create_endpoint, endpoint_view, publish, roll_secret
from simulators.workbench import WorkbenchError


def _error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def control_blueprint(hub: SimHub) -> Blueprint:
    state = for_hub(hub)
    control = Blueprint("stripe_control", __name__)

    @control.before_request
    def expire_due_sessions() -> None:
        g.swept = expire_overdue(state)

    @control.after_request
    def deliver_events(response: Response) -> Response:
        publish(state)
        return response

    @control.errorhandler(StripeError)
    def stripe_error(error: StripeError) -> Response:
        return _error(error.status, error.message, code=error.code)

    @control.errorhandler(PaymentRefused)
    def refused(error: PaymentRefused) -> Response:
        return _error(409, error.message, code=error.code)

    @control.get("/config")
    def get_config() -> dict[str, Any]:
        config: dict[str, Any] = state.snapshot()["config"]
        return config

    @control.post("/config")
    def set_config() -> Response | dict[str, Any]:
        body = _body()
        unknown = sorted(set(body) - {"api_keys", "retry", "api_version", "public_url"})
        if unknown:
            return _error(400, f"unknown config keys: {', '.join(unknown)}")
        keys = body.get("api_keys", state.config.api_keys)
        if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys)):
            return _error(400, "api_keys must be a list of secret keys (or null: any sk_test_ key)")
        retry = body.get("retry", state.config.retry)
        if retry not in ("test", "live"):
            return _error(400, "retry must be 'test' or 'live'")
        with state.lock:
            state.config = Config(
                api_keys=keys,
                retry=retry,
                api_version=body.get("api_version", state.config.api_version),
                public_url=body.get("public_url", state.config.public_url),
            )
        config: dict[str, Any] = state.snapshot()["config"]
        return config

    @control.get("/faults")
    def list_faults() -> dict[str, Any]:
        return state.faults.to_dict()

    @control.post("/faults")
    def add_fault() -> ResponseReturnValue:
        body = _body()
        try:
            if "down" in body:
                if len(body) != 1:
                    return _error(400, 'a down fault takes only {"down": "503"|"reset"|null}')
                state.faults.set_down(None if body["down"] in (None, False) else str(body["down"]))
                return jsonify(state.faults.to_dict()), 201
            fault = state.faults.add(body)
        except (FaultError, TypeError) as exc:
            return _error(400, str(exc))
        return jsonify(fault.to_dict()), 201

    @control.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        state.faults.clear()
        return {"status": "cleared"}

    @control.post("/checkout/sessions/<session_id>/pay")
    def pay(session_id: str) -> Response | dict[str, Any]:
        body = _body()
        email, name = body.get("email"), body.get("name")
        method = body.get("payment_method", "card")
        if method != "card":
            with state.lock:
                return pay_delayed(state, session_id, method, email=email, name=name).to_dict()
        expiry = f"{body['exp_month']}/{body['exp_year']}" if "exp_month" in body and "exp_year" in body else None
        try:
            card = cards.validate(str(body.get("card", "4242424242424242")), expiry, body.get("cvc"), hub.clock.now())
        except cards.CardInputError as exc:
            return _error(400, exc.message, code=exc.code, field=exc.field)
        three_d_secure = body.get("three_d_secure")
        if three_d_secure not in (None, "pass", "fail"):
            return _error(400, "three_d_secure must be 'pass', 'fail' or absent (leave the challenge pending)")
        with state.lock:
            outcome = pay_card(
                state,
                session_id,
                card,
                email=email,
                name=name,
                authenticate_url=f"{request.host_url.rstrip('/')}/stripe/c/pay/{session_id}/authenticate",
            )
            if outcome.status == "requires_action" and three_d_secure is not None:
                outcome = authenticate(state, session_id, passed=three_d_secure == "pass")
            return outcome.to_dict()

    @control.post("/checkout/sessions/<session_id>/authenticate")
    def finish_authentication(session_id: str) -> Response | dict[str, Any]:
        outcome = _body().get("outcome")
        if outcome not in ("pass", "fail"):
            return _error(400, "outcome must be 'pass' or 'fail'")
        with state.lock:
            return authenticate(state, session_id, passed=outcome == "pass").to_dict()

    @control.post("/checkout/sessions/<session_id>/settle")
    def settle_payment(session_id: str) -> Response | dict[str, Any]:
        outcome = _body().get("outcome", "succeeded")
        if outcome not in ("succeeded", "failed"):
            return _error(400, "outcome must be 'succeeded' or 'failed'")
        with state.lock:
            return settle(state, session_id, succeeded=outcome == "succeeded").to_dict()

    @control.post("/refunds")
    def refund_a_payment() -> Response | dict[str, Any]:
        body = _body()
        ref, amount = body.get("payment"), body.get("amount")
        if not isinstance(ref, str) or not ref.startswith(("cs_", "pi_", "ch_")):
            return _error(400, "payment must be a Checkout Session (cs_), PaymentIntent (pi_) or charge (ch_) id")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount < 1):
            return _error(400, "amount must be a positive integer (smallest currency unit)")
        try:
            return workbench.refund(hub, ref, amount)
        except WorkbenchError as exc:
            return _error(404, str(exc))

    @control.post("/refunds/<refund_id>/settle")
    def settle_a_refund(refund_id: str) -> Response | dict[str, Any]:
        with state.lock:
            try:
                return {"refund": settle_refund(state, refund_id)}
            except RefundNotSettleable as exc:
                return _error(409, str(exc), code="nothing_to_settle")

    @control.post("/checkout/sessions/<session_id>/expire")
    def expire_session(session_id: str) -> dict[str, Any]:
        with state.lock:
            return {"checkout_session": expire(state, session_id)}

    @control.post("/checkout/sessions/<session_id>/localize")
    def localize_session(session_id: str) -> Response | dict[str, Any]:
        # The customer chose their own currency on the hosted page (Adaptive Pricing turned on in the Dashboard).
        body = _body()
        currency, fx_rate = body.get("currency"), body.get("fx_rate")
        if not isinstance(currency, str) or not isinstance(fx_rate, str):
            return _error(400, 'expected {"currency": "eur", "fx_rate": "1.17"} (fx_rate a decimal string)')
        with state.lock:
            return {"checkout_session": localize(state, session_id, currency, fx_rate)}

    @control.post("/checkout/sessions/expire_due")
    def expire_due() -> dict[str, Any]:
        return {"expired": g.swept + expire_overdue(state), "virtual_now": hub.clock.now()}

    @control.post("/webhook_endpoints")
    def add_endpoint() -> ResponseReturnValue:
        body = _body()
        secret = body.pop("secret", None)
        if secret is not None and (not isinstance(secret, str) or not secret.startswith("whsec_")):
            return _error(400, "secret must be a string starting with whsec_")
        params = {"url": body.get("url"), "enabled_events": body.get("enabled_events", ["*"])}
        with state.lock:
            endpoint = create_endpoint(state, params, secret=secret)
            return jsonify(endpoint_view(endpoint, with_secret=True)), 201

    @control.post("/webhook_endpoints/<endpoint_id>/roll_secret")
    def roll(endpoint_id: str) -> Response | dict[str, Any]:
        expires_in = _body().get("expires_in", 24 * 3600)
        if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool) or expires_in < 0:
            return _error(400, "expires_in must be a non-negative number of seconds")
        with state.lock:
            return roll_secret(state, endpoint_id, float(expires_in))

    @control.get("/state")
    def snapshot() -> dict[str, Any]:
        return state.snapshot()

    return control
