"""Global control API under ``/_sim``: reset, virtual clock, delivery plans, journal.

Tests and developers drive faults through these routes (never through the
provider APIs themselves), so the same calls work against a simulator running
in-process, in another terminal, or on another host. Every answer, errors
included, is JSON; bad input is a 400 that says what was wrong.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from simulators.delivery import DeliveryPlan, PlanError
from simulators.delivery.records import DELIVERY_STATUSES
from simulators.durations import parse_duration
from simulators.hub import SimHub
from simulators.workbench import event_types
from simulators.workbench.routes import workbench_blueprint


class ControlInputError(Exception):
    """Input the control API refuses; becomes a 400 with ``message``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _json_object(*, required: bool) -> dict[str, Any]:
    """The request's JSON object body ({} when absent and not required)."""
    if not request.get_data():
        if required:
            raise ControlInputError("expected a JSON object body")
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlInputError("the body must be a JSON object")
    return body


def _known_providers() -> tuple[str, ...]:
    # Read at request time: the server module imports this one, and its provider list may grow.
    return tuple(importlib.import_module("simulators.server").PROVIDERS)


def _check_provider(provider: Any) -> str | None:
    """A provider named in a query or body, or None when none is named."""
    return None if provider is None else _require_provider(provider)


def _require_provider(provider: Any) -> str:
    if not isinstance(provider, str) or not provider:
        raise ControlInputError("provider must be a non-empty string")
    known = _known_providers()
    if known and provider not in known:
        raise ControlInputError(f"unknown provider {provider!r}; known: {', '.join(known)}")
    return provider


def _check_status(status: str | None) -> str | None:
    if status is not None and status not in DELIVERY_STATUSES:
        raise ControlInputError(f"unknown status {status!r}; known: {', '.join(DELIVERY_STATUSES)}")
    return status


def create_control_app(hub: SimHub) -> Flask:
    app = Flask("simulators.control")
    engine = hub.engine
    assert engine is not None, "the server sets the delivery engine before mounting the control API"

    @app.errorhandler(ControlInputError)
    def bad_request(exc: ControlInputError) -> ResponseReturnValue:
        return _json_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return _json_error(exc.code or 500, exc.description or exc.name)

    app.register_blueprint(workbench_blueprint(hub))

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return {
            "status": "ok",
            "seed": hub.seed,
            "virtual_now": hub.clock.now(),
            "auto_deliver": engine.auto,
            "last_sequence": engine.last_sequence,  # where the journal stands: read what follows with ?after=
        }

    @app.post("/reset")
    def reset() -> ResponseReturnValue:
        seed = _json_object(required=False).get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ControlInputError("seed must be an integer")
        hub.reset(seed)
        engine.reset(seed=hub.seed)  # delivery ids follow the (possibly new) seed
        return {"status": "reset", "seed": hub.seed}

    @app.get("/clock")
    def clock() -> ResponseReturnValue:
        return {"virtual_now": hub.clock.now(), "offset": hub.clock.offset}

    @app.post("/clock/advance")
    def advance() -> ResponseReturnValue:
        body = _json_object(required=True)
        value = body.get("seconds", body.get("duration"))
        if value is None:
            raise ControlInputError('give seconds (a number) or duration (e.g. "2h", "90m", "1d")')
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise ControlInputError(str(exc)) from None
        attempts = engine.advance(seconds)
        return {
            "virtual_now": hub.clock.now(),
            "offset": hub.clock.offset,
            "advanced": seconds,
            "attempts": [a.to_dict() for a in attempts],
        }

    @app.get("/plans")
    def list_plans() -> ResponseReturnValue:
        return {"plans": engine.plans()}

    @app.post("/plans")
    def set_plan() -> ResponseReturnValue:
        body = _json_object(required=True)
        unknown = sorted(set(body) - {"provider", "plan", "event_type", "times"})
        if unknown:
            raise ControlInputError(f"unknown keys: {', '.join(unknown)} (expected provider, plan, event_type, times)")
        provider = _require_provider(body.get("provider"))
        plan_data = body.get("plan", {})
        if not isinstance(plan_data, dict):
            raise ControlInputError("plan must be a JSON object of fault settings")
        try:
            plan = DeliveryPlan.from_dict(plan_data)
        except (PlanError, TypeError) as exc:
            raise ControlInputError(str(exc)) from None
        event_type = body.get("event_type")
        if event_type is not None and (not isinstance(event_type, str) or not event_type):
            raise ControlInputError("event_type must be a non-empty string")
        emitted = event_types(provider)
        if event_type is not None and emitted and event_type not in emitted:
            raise ControlInputError(
                f"{provider} never emits {event_type!r}, so the plan would never apply; its event types: "
                + ", ".join(emitted)
            )
        times = body.get("times", 1)
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ControlInputError("times must be a positive integer or null (until cleared)")
        engine.set_plan(provider, plan, event_type=event_type, times=times)
        return {
            "status": "planned",
            "provider": provider,
            "event_type": event_type,
            "times": times,
            "plan": plan.to_dict(),
        }, 201

    @app.delete("/plans")
    def clear_plans() -> ResponseReturnValue:
        provider = _check_provider(request.args.get("provider"))
        engine.clear_plans(provider)
        return {"status": "cleared", "provider": provider}

    @app.get("/deliveries")
    def deliveries() -> ResponseReturnValue:
        provider = request.args.get("provider")
        event_type = request.args.get("event_type")
        status = _check_status(request.args.get("status"))
        after = request.args.get("after", "0")
        if not after.isdigit():
            raise ControlInputError(f"after must be a delivery's sequence number (0 or more), not {after!r}")
        selected = [
            d
            for d in engine.deliveries(provider=provider, status=status, after=int(after))
            if event_type in (None, d.event_type)
        ]
        ids = {d.id for d in selected}
        rows = [a for a in engine.journal(provider=provider, event_type=event_type) if a.delivery_id in ids]
        return {"attempts": [a.to_dict() for a in rows], "deliveries": [d.to_dict() for d in selected]}

    @app.get("/pending")
    def pending() -> ResponseReturnValue:
        rows = engine.pending(provider=request.args.get("provider"))
        # Read after the snapshot: a delivery released while it was taken is due at or before this time, so
        # "is anything due?" asked with this clock reading never misses it (the clock keeps ticking).
        return {"deliveries": [d.to_dict() for d in rows], "virtual_now": hub.clock.now()}

    @app.post("/deliveries/flush")
    def flush() -> ResponseReturnValue:
        attempts = engine.flush()
        return {"attempts": [a.to_dict() for a in attempts]}

    return app
