"""The v1 API routes the simulator implements (everything else answers 404 like an unknown Stripe URL).

Parameters arrive decoded in ``g.params`` (see ``app``); each route coerces
them against its schema so unknown parameters fail with ``parameter_unknown``.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, g, request

from simulators.stripe import errors
from simulators.stripe.checkout import create_session, expire, get_session
from simulators.stripe.checkout_page import PAGE_PATH
from simulators.stripe.events import request_info
from simulators.stripe.listing import expand, line_items_list, paginate
from simulators.stripe.params import ANY, BOOL, LIST_PARAMS, STR, coerce, created_filter, matches_created
from simulators.stripe.refunds import create_refund, update_refund
from simulators.stripe.responses import json_response
from simulators.stripe.state import StripeState
from simulators.stripe.webhooks import create_endpoint, endpoint_view, get_endpoint, update_endpoint

EXPAND_ONLY = {"expand": [STR]}
SESSION_LIST = {
    **LIST_PARAMS,
    "payment_intent": STR,
    "status": STR,
    "created": ANY,
    "customer_details": {"email": STR},
    "payment_link": STR,
}
EVENT_LIST = {**LIST_PARAMS, "type": STR, "types": [STR], "created": ANY, "delivery_success": BOOL}
REFUND_LIST = {**LIST_PARAMS, "payment_intent": STR, "charge": STR, "created": ANY}


_json = json_response


def _event_request() -> dict[str, Any]:
    return request_info(g.request_id, request.headers.get("Idempotency-Key"))


def _newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(reversed(items))


def _type_matches(event_type: str, wanted: str) -> bool:
    return event_type == wanted or (wanted.endswith("*") and event_type.startswith(wanted[:-1]))


def _pending_webhooks(state: StripeState, events: list[dict[str, Any]]) -> None:
    """Fill ``pending_webhooks`` from the engine: endpoints that have not yet answered 2xx."""
    engine = state.hub.engine
    if engine is None:
        return
    delivered: dict[str, set[str]] = {}
    for delivery in engine.deliveries(provider="stripe"):
        if delivery.status == "delivered" and delivery.event_id:
            delivered.setdefault(delivery.event_id, set()).add(delivery.endpoint)
    for event in events:
        event["pending_webhooks"] = max(0, event["pending_webhooks"] - len(delivered.get(event["id"], ())))


def api_blueprint(state: StripeState) -> Blueprint:
    api = Blueprint("stripe_api", __name__)

    def page_url(session_id: str) -> str:
        base = state.config.public_url or (request.host_url.rstrip("/") + request.script_root)
        return base.rstrip("/") + PAGE_PATH.format(session_id=session_id)

    @api.post("/v1/checkout/sessions")
    def create_checkout_session() -> Response:
        params = dict(g.params)
        wanted = params.get("expand") or []
        with state.lock:
            session = create_session(state, params, page_url)
            return _json(expand(state, session, coerce({"expand": wanted}, EXPAND_ONLY)["expand"]))

    @api.get("/v1/checkout/sessions/<session_id>")
    def retrieve_checkout_session(session_id: str) -> Response:
        params = coerce(g.params, EXPAND_ONLY)
        with state.lock:
            return _json(expand(state, get_session(state, session_id), params.get("expand") or []))

    @api.get("/v1/checkout/sessions/<session_id>/line_items")
    def session_line_items(session_id: str) -> Response:
        params = coerce(g.params, LIST_PARAMS)
        with state.lock:
            get_session(state, session_id)
            return _json(line_items_list(state, session_id, params))

    @api.get("/v1/checkout/sessions")
    def list_checkout_sessions() -> Response:
        params = coerce(g.params, SESSION_LIST)
        bounds = created_filter(params.get("created"))
        email = (params.get("customer_details") or {}).get("email")
        with state.lock:
            found = [
                s
                for s in _newest_first(list(state.sessions.values()))
                if (not params.get("payment_intent") or s["payment_intent"] == params["payment_intent"])
                and (not params.get("status") or s["status"] == params["status"])
                and (not email or (s["customer_details"] or {}).get("email") == email)
                and matches_created(s["created"], bounds)
            ]
            page = paginate(found, params, "/v1/checkout/sessions")
            return _json(expand(state, page, params.get("expand") or []))

    @api.post("/v1/checkout/sessions/<session_id>/expire")
    def expire_checkout_session(session_id: str) -> Response:
        params = coerce(g.params, EXPAND_ONLY)
        with state.lock:
            session = expire(state, session_id, request=_event_request())
            return _json(expand(state, session, params.get("expand") or []))

    def _retrieve(store: dict[str, dict[str, Any]], kind: str, object_id: str) -> Response:
        params = coerce(g.params, EXPAND_ONLY)
        with state.lock:
            obj = store.get(object_id)
            if obj is None:
                raise errors.no_such(kind, object_id)
            return _json(expand(state, obj, params.get("expand") or []))

    @api.get("/v1/payment_intents/<intent_id>")
    def retrieve_payment_intent(intent_id: str) -> Response:
        return _retrieve(state.payment_intents, "payment_intent", intent_id)

    @api.get("/v1/charges/<charge_id>")
    def retrieve_charge(charge_id: str) -> Response:
        return _retrieve(state.charges, "charge", charge_id)

    @api.get("/v1/refunds/<refund_id>")
    def retrieve_refund(refund_id: str) -> Response:
        return _retrieve(state.refunds, "refund", refund_id)

    @api.post("/v1/refunds")
    def refund() -> Response:
        params = dict(g.params)
        wanted = params.get("expand") or []
        with state.lock:
            created = create_refund(state, params, request=_event_request())
            return _json(expand(state, created, wanted))

    @api.post("/v1/refunds/<refund_id>")
    def update_a_refund(refund_id: str) -> Response:
        params = dict(g.params)
        wanted = params.get("expand") or []
        with state.lock:
            updated = update_refund(state, refund_id, params, request=_event_request())
            return _json(expand(state, updated, wanted))

    @api.get("/v1/refunds")
    def list_refunds() -> Response:
        params = coerce(g.params, REFUND_LIST)
        bounds = created_filter(params.get("created"))
        with state.lock:
            found = [
                r
                for r in _newest_first(list(state.refunds.values()))
                if (not params.get("payment_intent") or r["payment_intent"] == params["payment_intent"])
                and (not params.get("charge") or r["charge"] == params["charge"])
                and matches_created(r["created"], bounds)
            ]
            return _json(paginate(found, params, "/v1/refunds"))

    @api.get("/v1/events/<event_id>")
    def retrieve_event(event_id: str) -> Response:
        coerce(g.params, EXPAND_ONLY)
        with state.lock:
            event = state.events.get(event_id)
            if event is None:
                raise errors.no_such("event", event_id)
            event = copy.deepcopy(event)
        _pending_webhooks(state, [event])
        return _json(event)

    @api.get("/v1/events")
    def list_events() -> Response:
        params = coerce(g.params, EVENT_LIST)
        bounds = created_filter(params.get("created"))
        types = params.get("types") or ([params["type"]] if params.get("type") else [])
        with state.lock:
            found = [
                copy.deepcopy(e)
                for e in _newest_first(list(state.events.values()))
                if (not types or any(_type_matches(e["type"], t) for t in types))
                and matches_created(e["created"], bounds)
            ]
        _pending_webhooks(state, found)
        if "delivery_success" in params:
            found = [e for e in found if (e["pending_webhooks"] == 0) == params["delivery_success"]]
        return _json(paginate(found, params, "/v1/events"))

    @api.post("/v1/webhook_endpoints")
    def create_webhook_endpoint() -> Response:
        with state.lock:
            return _json(endpoint_view(create_endpoint(state, g.params), with_secret=True))

    @api.get("/v1/webhook_endpoints")
    def list_webhook_endpoints() -> Response:
        params = coerce(g.params, LIST_PARAMS)
        with state.lock:
            views = [endpoint_view(ep) for ep in reversed(list(state.endpoints.values()))]
        return _json(paginate(views, params, "/v1/webhook_endpoints"))

    @api.get("/v1/webhook_endpoints/<endpoint_id>")
    def retrieve_webhook_endpoint(endpoint_id: str) -> Response:
        coerce(g.params, EXPAND_ONLY)
        with state.lock:
            return _json(endpoint_view(get_endpoint(state, endpoint_id)))

    @api.post("/v1/webhook_endpoints/<endpoint_id>")
    def update_webhook_endpoint(endpoint_id: str) -> Response:
        with state.lock:
            return _json(endpoint_view(update_endpoint(state, endpoint_id, g.params)))

    @api.delete("/v1/webhook_endpoints/<endpoint_id>")
    def delete_webhook_endpoint(endpoint_id: str) -> Response:
        with state.lock:
            endpoint = get_endpoint(state, endpoint_id)
            del state.endpoints[endpoint.id]
        return _json({"id": endpoint_id, "object": "webhook_endpoint", "deleted": True})

    return api
