"""The simulated SendGrid v3 API (mounted at ``/sendgrid``) and its inbox pages.

Point the official library at it with
``SendGridAPIClient(api_key, host="<simulator>/sendgrid")``. Every ``/v3``
request passes the same gate, in the order a request meets SendGrid's edge:
injected faults (429 with rate-limit headers, 500, 503, "down"), the body size
limit (413), the API key (401). ``/inbox`` shows the captured mail to a person
running the harness by hand.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

from flask import Flask, Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from simulators.hub import SimHub
from simulators.sendgrid import responses
from simulators.sendgrid.account_api import account_blueprint
from simulators.sendgrid.mail_send import accept, is_sandbox
from simulators.sendgrid.state import SendGridState, state_for
from simulators.sendgrid.validation import validate_mail_send


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """The decoded body, or ``ValueError`` for anything SendGrid would call a Bad Request."""
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)


def gate(state: SendGridState) -> Response | None:
    """Faults, size limit and API key, checked before any v3 route runs."""
    fault = state.take_fault()
    if fault is not None:
        if fault.status == 429:
            return responses.rate_limited(math.ceil(state.hub.clock.real_now()) + 60)
        return responses.server_error(fault.status)
    limit = state.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return responses.too_large(limit)
    if len(request.get_data(cache=True)) > limit:
        return responses.too_large(limit)
    header = request.headers.get("Authorization")
    if header is None:
        return responses.unauthorized(missing=True)
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme != "Bearer" or not key:
        return responses.unauthorized(missing=False)
    if state.config.api_keys and key not in state.config.api_keys:
        return responses.unauthorized(missing=False)
    return None


def _recorded_headers() -> dict[str, str]:
    headers = dict(request.headers)
    if "Authorization" in headers:
        headers["Authorization"] = "Bearer ***"  # the inbox is shown in a browser; keys stay out of it
    return headers


def create_app(hub: SimHub) -> Flask:
    app = Flask(__name__)
    state = state_for(hub)
    app.register_blueprint(account_blueprint(state))

    @app.before_request
    def v3_gate() -> Response | None:
        if request.path.startswith("/v3/"):
            return gate(state)
        return None

    @app.post("/v3/mail/send")
    def mail_send() -> ResponseReturnValue:
        try:
            body = parse_json(request.get_data(cache=True))
        except ValueError:
            return responses.bad_json()

        def template_subject(template_id: str) -> str | None:
            template = state.templates.get(template_id)
            if template is None:
                return None
            version = template.active_version
            return version.subject if version else ""

        errors = validate_mail_send(
            body, template_subject=template_subject, reject_unknown_templates=state.config.unknown_template == "reject"
        )
        if errors:
            return responses.errors_response(400, errors)
        if is_sandbox(body):
            return Response(status=200)
        message_id = accept(state, body, _recorded_headers())
        response = Response(status=202, headers={"X-Message-Id": message_id})
        response.headers.pop("Content-Type", None)
        return response

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/v3/"):
            return responses.errors_response(404, [{"field": None, "message": "resource not found"}])
        return error

    @app.errorhandler(405)
    def method_not_allowed(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/v3/"):
            return responses.errors_response(405, [{"field": None, "message": "method not allowed"}])
        return error

    @app.get("/")
    def landing() -> ResponseReturnValue:
        return redirect(f"{request.script_root}/inbox")

    @app.get("/inbox")
    def inbox_page() -> ResponseReturnValue:
        to = request.args.get("to") or None
        entries = state.find_entries(to=to)
        return render_template("inbox.html", entries=list(reversed(entries)), to=to or "", base=request.script_root)

    @app.get("/inbox/<entry_id>")
    def message_page(entry_id: str) -> ResponseReturnValue:
        entry = state.entry(entry_id)
        if entry is None:
            abort(404)
        return render_template(
            "message.html",
            entry=entry,
            base=request.script_root,
            request_json=json.dumps(entry.request_json, indent=2, ensure_ascii=False),
        )

    return app
