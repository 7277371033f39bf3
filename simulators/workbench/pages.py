"""The journal page at the simulators' root: every delivery, newest first, and a resend button.

Server-rendered (Jinja, like the SendGrid inbox), no build step. Filters are query
parameters (provider, event type, status). Each delivery unfolds to the headers and
body it was sent with, its signature, every attempt's answer and the next retry on the
virtual clock. Resending is a POST protected by Flask-WTF's CSRF token: the page is a
local tool, but a page elsewhere in the same browser must not be able to fire webhooks.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect

from simulators.delivery.records import DELIVERY_STATUSES
from simulators.hub import SimHub
from simulators.workbench import WORKBENCH_PROVIDERS, engine_of, event_types

PAGE_LIMIT = 200  # deliveries shown at once (newest first)
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def _when(virtual_at: float | None) -> str:
    if virtual_at is None:
        return "-"
    return datetime.fromtimestamp(virtual_at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _signature(headers: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (name, value) for name, value in headers.items() if "signature" in name.lower() or "timestamp" in name.lower()
    ]


def journal_app(hub: SimHub, mounts: list[str]) -> Flask:
    app = Flask("simulators.workbench.pages", template_folder="templates")
    app.secret_key = secrets.token_bytes(32)  # per process: a restart only asks for a reload of the page
    app.config["SESSION_COOKIE_NAME"] = "simulators_journal"  # the provider apps' cookies stay their own
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    CSRFProtect(app)
    engine = engine_of(hub)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/")
    def journal() -> ResponseReturnValue:
        provider = request.args.get("provider") or None
        event_type = request.args.get("event_type") or None
        status = request.args.get("status") or None
        deliveries = [
            d
            for d in engine.deliveries(provider=provider if provider in WORKBENCH_PROVIDERS else None)
            if (event_type is None or d.event_type == event_type) and (status is None or d.status == status)
        ]
        deliveries.reverse()
        shown = deliveries[:PAGE_LIMIT]
        attempts: dict[str, list[Any]] = {}
        ids = {d.id for d in shown}
        for row in engine.journal():
            if row.delivery_id in ids:
                attempts.setdefault(row.delivery_id, []).append(row)
        rows = [
            {
                "delivery": d,
                "attempts": attempts.get(d.id, []),
                "headers": attempts[d.id][-1].request_headers if d.id in attempts else {},
                "signature": _signature(attempts[d.id][-1].request_headers) if d.id in attempts else [],
                "body": d.body.decode("utf-8", errors="replace"),
                "next_retry": _when(d.next_attempt_at) if d.status in ("pending", "failed", "held") else None,
            }
            for d in shown
        ]
        return render_template(
            "journal.html",
            rows=rows,
            total=len(deliveries),
            limit=PAGE_LIMIT,
            providers=WORKBENCH_PROVIDERS,
            types=sorted({t for p in WORKBENCH_PROVIDERS for t in event_types(p)}),
            statuses=DELIVERY_STATUSES,
            chosen={"provider": provider or "", "event_type": event_type or "", "status": status or ""},
            when=_when,
            now=_when(hub.clock.now()),
            mounts=mounts,
        )

    @app.post("/deliveries/<delivery_id>/resend")
    def resend(delivery_id: str) -> ResponseReturnValue:
        try:
            created = engine.resend(delivery_id)
        except KeyError:
            flash(f"No delivery {delivery_id} in the journal (was the simulator reset?)", "error")
        else:
            flash(f"Resent {delivery_id} as {', '.join(d.id for d in created)}", "info")
        filters: dict[str, Any] = {k: v for k, v in request.args.items() if v}
        return redirect(url_for("journal", **filters))

    return app
