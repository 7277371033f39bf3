"""Global control API under ``/_sim``: reset, virtual clock, delivery plans, journal.

Tests and developers drive faults through these routes (never through the
provider APIs themselves), so the same calls work against a simulator running
in-process, in another terminal, or on another host.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, jsonify, request

from simulators.delivery import DeliveryPlan, PlanError
from simulators.hub import SimHub


def _json_error(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def create_control_app(hub: SimHub) -> Flask:
    app = Flask("simulators.control")
    engine = hub.engine

    @app.get("/health")
    def health():
        return {"status": "ok", "seed": hub.seed, "virtual_now": hub.clock.now()}

    @app.post("/reset")
    def reset():
        body = request.get_json(silent=True) or {}
        seed = body.get("seed")
        if seed is not None and not isinstance(seed, int):
            return _json_error(400, "seed must be an integer")
        hub.reset(seed)
        return {"status": "reset", "seed": hub.seed}

    @app.get("/clock")
    def clock():
        return {"virtual_now": hub.clock.now(), "offset": hub.clock.offset}

    @app.post("/clock/advance")
    def advance():
        body = request.get_json(silent=True) or {}
        seconds = body.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            return _json_error(400, "seconds must be a non-negative number")
        attempts = engine.advance(float(seconds))
        return {"virtual_now": hub.clock.now(), "attempts": [asdict(a) for a in attempts]}

    @app.post("/plans")
    def set_plan():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("provider"), str):
            return _json_error(400, "expected JSON {provider, plan, event_type?, times?}")
        try:
            plan = DeliveryPlan.from_dict(body.get("plan"))
        except (PlanError, TypeError) as exc:
            return _json_error(400, str(exc))
        times = body.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            return _json_error(400, "times must be a positive integer or null (until cleared)")
        engine.set_plan(body["provider"], plan, event_type=body.get("event_type"), times=times)
        return {"status": "planned", "plan": plan.to_dict()}, 201

    @app.delete("/plans")
    def clear_plans():
        engine.clear_plans(request.args.get("provider"))
        return {"status": "cleared"}

    @app.get("/deliveries")
    def deliveries():
        rows = engine.journal(provider=request.args.get("provider"), event_type=request.args.get("event_type"))
        return {"attempts": [asdict(a) for a in rows]}

    @app.post("/deliveries/flush")
    def flush():
        attempts = engine.flush()
        return {"attempts": [asdict(a) for a in attempts]}

    return app
