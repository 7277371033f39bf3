"""Workbench routes under ``/_sim``: listen, trigger, resend, inject, replay, and a journal to follow.

    POST /listen {forward_to, providers?, secret?, events?}   register or update endpoints/subscriptions
    GET  /attempts?after=N&wait=S                              journal rows after the first N (long poll)
    GET  /attempts?from=now                                    only the count, where a follower starts
    POST /trigger {provider, event, set?, plan?}               cause an event through the state machine
    POST /deliveries/<delivery or event id>/resend {to?}       send it again, signed afresh
    POST /inject {provider, body, to?, plan?}                  deliver a captured body
    POST /replay {records, to?, plan?}                         deliver recorded requests again, in order

Answers are JSON; refusals are ``{"error": ...}`` with a 4xx.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from simulators.delivery import DeliveryPlan, PlanError
from simulators.hub import SimHub
from simulators.workbench import WORKBENCH_PROVIDERS, WorkbenchError, engine_of, provider_workbench

MAX_WAIT = 30.0
SIGNATURE_FAULTS = ("corrupt_signature", "wrong_key", "stale_timestamp")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise WorkbenchError("the body must be a JSON object")
    return data


def _string(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise WorkbenchError(f"{key} must be a non-empty string")
    return value


def _url(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = _string(data, key, required=required)
    if value is not None and not value.startswith(("http://", "https://")):
        raise WorkbenchError(f"{key} must be an http(s) URL")
    return value


def _plan(data: dict[str, Any]) -> DeliveryPlan | None:
    raw = data.get("plan")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise WorkbenchError("plan must be a JSON object of fault settings")
    return DeliveryPlan.from_dict(raw)


def _string_list(data: dict[str, Any], key: str) -> list[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise WorkbenchError(f"{key} must be a list of strings")
    return value


def _rebased(endpoint: str, base: str | None) -> str:
    """``endpoint`` sent to another server: ``base``'s scheme, host and path prefix, the endpoint's own path."""
    if base is None:
        return endpoint
    target, original = urlsplit(base), urlsplit(endpoint)
    return urlunsplit((target.scheme, target.netloc, target.path.rstrip("/") + original.path, original.query, ""))


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def workbench_blueprint(hub: SimHub) -> Blueprint:
    bp = Blueprint("workbench", __name__)
    engine = engine_of(hub)

    @bp.errorhandler(WorkbenchError)
    @bp.errorhandler(PlanError)
    def refused(exc: Exception) -> ResponseReturnValue:
        response = jsonify({"error": str(exc)})
        response.status_code = 400
        return response

    @contextlib.contextmanager
    def provider_refusals() -> Iterator[None]:
        """A provider's own refusal (a Stripe error, a Calendly action refused) as a 4xx with its message."""
        try:
            yield
        except (WorkbenchError, PlanError):
            raise
        except Exception as exc:
            message = getattr(exc, "message", None)
            if not isinstance(message, str):
                raise
            status = getattr(exc, "status", 409)
            raise _Refusal(status if isinstance(status, int) and 400 <= status < 500 else 409, message) from exc

    @bp.errorhandler(_Refusal)
    def provider_refused(exc: _Refusal) -> ResponseReturnValue:
        response = jsonify({"error": exc.message})
        response.status_code = exc.status
        return response

    @bp.post("/listen")
    def listen() -> ResponseReturnValue:
        data = _body()
        url = _url(data, "forward_to", required=True)
        providers = _string_list(data, "providers") or list(WORKBENCH_PROVIDERS)
        secret = _string(data, "secret")
        events = _string_list(data, "events")
        modules = {provider: provider_workbench(provider) for provider in providers}
        if events is not None:  # refuse before registering anything
            unknown = sorted(set(events) - {e for module in modules.values() for e in module.EVENT_TYPES})
            if unknown:
                raise WorkbenchError(f"unknown event types for {', '.join(providers)}: {', '.join(unknown)}")
        answers = []
        for module in modules.values():
            mine = None if events is None else [e for e in events if e in module.EVENT_TYPES]
            if mine == []:
                continue  # --events names none of this provider's events: leave it alone
            answers.append(module.listen(hub, url, secret=secret, events=mine))
        return {"endpoints": answers, "virtual_now": hub.clock.now()}

    @bp.get("/attempts")
    def attempts() -> ResponseReturnValue:
        try:
            after = int(request.args.get("after", "0"))
            wait = min(float(request.args.get("wait", "0")), MAX_WAIT)
        except ValueError:
            raise WorkbenchError("after must be an integer and wait a number of seconds") from None
        if after < 0 or wait < 0:
            raise WorkbenchError("after and wait must not be negative")
        if request.args.get("from") == "now":  # where a follower starts: nothing old, only the count
            return {"attempts": [], "next": len(engine.journal())}
        rows, count = engine.journal_since(after, wait)
        return {"attempts": [row.to_dict() for row in rows], "next": count}

    @bp.post("/trigger")
    def trigger() -> ResponseReturnValue:
        data = _body()
        provider = _string(data, "provider", required=True) or ""
        name = _string(data, "event", required=True) or ""
        overrides = data.get("set") or {}
        if not isinstance(overrides, dict) or not all(isinstance(v, str) for v in overrides.values()):
            raise WorkbenchError("set must map field paths to string values")
        plan = _plan(data)
        module = provider_workbench(provider)
        if name not in module.TRIGGERS:
            raise WorkbenchError(f"no {provider} trigger {name!r}; known: {', '.join(module.TRIGGERS)}")
        scope = name if name in module.EVENT_TYPES else None
        before = len(engine.deliveries(provider=provider))
        with provider_refusals():
            if plan is None:
                result = module.trigger(hub, name, overrides)
            else:
                with engine.plan_applied(provider, plan, event_type=scope):
                    result = module.trigger(hub, name, overrides)
        created = engine.deliveries(provider=provider)[before:]
        return {
            "provider": provider,
            "trigger": name,
            **result,
            "deliveries": [_delivery_summary(d) for d in created],
        }, 201

    @bp.post("/deliveries/<ref>/resend")
    def resend(ref: str) -> ResponseReturnValue:
        to = _url(_body(), "to")
        try:
            created = engine.resend(ref, to=to)
        except KeyError:
            raise WorkbenchError(f"no delivery or event {ref!r} in the journal") from None
        return {"deliveries": [_delivery_summary(d) for d in created]}, 201

    @bp.post("/inject")
    def inject() -> ResponseReturnValue:
        data = _body()
        provider = _string(data, "provider", required=True) or ""
        body = _string(data, "body", required=True) or ""
        to = _url(data, "to")
        plan = _plan(data)
        module = provider_workbench(provider)
        with provider_refusals():
            if plan is None:
                created = module.inject(hub, body.encode("utf-8"), to)
            else:
                with engine.plan_applied(provider, plan):
                    created = module.inject(hub, body.encode("utf-8"), to)
        if not created:
            raise WorkbenchError(f"no {provider} endpoint is subscribed to this event; give --to URL")
        return {"deliveries": [_delivery_summary(d) for d in created]}, 201

    @bp.post("/replay")
    def replay() -> ResponseReturnValue:
        data = _body()
        records = data.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise WorkbenchError("records must be a list of recorded deliveries (simulate record writes them)")
        base = _url(data, "to")
        extra = data.get("plan") or {}
        if not isinstance(extra, dict):
            raise WorkbenchError("plan must be a JSON object of fault settings")
        DeliveryPlan.from_dict(extra)  # refuse a bad plan before sending anything
        created = []
        for number, record in enumerate(sorted(records, key=lambda r: (r.get("virtual_at") or 0, r.get("order", 0)))):
            provider, body, endpoint = record.get("provider"), record.get("body"), record.get("endpoint")
            if not (isinstance(provider, str) and isinstance(body, str) and isinstance(endpoint, str)):
                raise WorkbenchError(f"record {number} needs provider, endpoint and body")
            recorded = record.get("plan") or {}
            faults = {k: v for k, v in recorded.items() if k in SIGNATURE_FAULTS and v}
            plan = DeliveryPlan.from_dict({**faults, **extra})
            module = provider_workbench(provider)
            with provider_refusals(), engine.plan_applied(provider, plan):
                created += module.inject(hub, body.encode("utf-8"), _rebased(endpoint, base))
        return {"deliveries": [_delivery_summary(d) for d in created]}, 201

    return bp


def _delivery_summary(delivery: Any) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "provider": delivery.provider,
        "endpoint": delivery.endpoint,
        "event_type": delivery.event_type,
        "event_id": delivery.event_id,
        "kind": delivery.kind,
        "status": delivery.status,
    }
