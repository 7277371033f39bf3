"""Control routes for the SendGrid simulator, mounted at ``/_sim/sendgrid``.

Tests and the harness drive the simulated account here, never through the
provider API: account settings, templates, faults, the captured inbox, the
webhook verification key. Errors answer ``{"error": "..."}`` with 400/404,
like the global control API.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from simulators.hub import SimHub
from simulators.sendgrid.handlebars import TemplateSyntaxError, render
from simulators.sendgrid.state import Fault, state_for
from simulators.sendgrid.template_store import TemplateError

FAULT_STATUSES = (429, 500, 503)


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


def control_blueprint(hub: SimHub) -> Blueprint:
    blueprint = Blueprint("sendgrid_control", __name__)
    state = state_for(hub)

    @blueprint.get("/config")
    def get_config() -> ResponseReturnValue:
        return state.config.to_dict()

    @blueprint.post("/config")
    def set_config() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, "expected a JSON object")
        unknown = sorted(set(body) - set(state.config.to_dict()))
        if unknown:
            return _error(400, f"unknown config keys: {', '.join(unknown)}")
        for key in ("api_keys", "bounce_addresses", "deferred_addresses", "blocked_addresses"):
            if key in body and not _string_list(body[key]):
                return _error(400, f"{key} must be a list of non-empty strings")
        limit = body.get("max_body_bytes", state.config.max_body_bytes)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            return _error(400, "max_body_bytes must be a positive integer")
        url = body.get("event_webhook_url", state.config.event_webhook_url)
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            return _error(400, "event_webhook_url must be an http(s) URL or null")
        if body.get("unknown_template", "reject") not in ("reject", "drop"):
            return _error(400, 'unknown_template must be "reject" or "drop"')
        kinds = body.get("event_kinds", {})
        if not isinstance(kinds, dict) or not all(isinstance(v, bool) for v in kinds.values()):
            return _error(400, "event_kinds must map event names to true/false")
        with state.lock:
            config = state.config
            for key in ("api_keys", "bounce_addresses", "deferred_addresses", "blocked_addresses", "unknown_template"):
                if key in body:
                    setattr(config, key, list(body[key]) if isinstance(body[key], list) else body[key])
            config.max_body_bytes = limit
            if "event_webhook_url" in body:
                config.event_webhook_url = url
                config.event_webhook_enabled = bool(body.get("event_webhook_enabled", url is not None))
            elif "event_webhook_enabled" in body:
                config.event_webhook_enabled = bool(body["event_webhook_enabled"])
            config.event_kinds.update(kinds)
        return config.to_dict()

    @blueprint.get("/templates")
    def list_templates() -> ResponseReturnValue:
        return {"templates": [t.to_api() for t in state.templates.all()]}

    @blueprint.post("/templates")
    def put_template() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, "expected JSON {name, subject, html_content, plain_content, id?}")
        parts = {key: body.get(key, "") for key in ("subject", "html_content", "plain_content")}
        if not all(isinstance(value, str) for value in parts.values()):
            return _error(400, "subject, html_content and plain_content must be strings")
        try:
            template = state.templates.put(name=body.get("name"), template_id=body.get("id"), **parts)
        except TemplateError as exc:
            return _error(400, f"{exc.field}: {exc}" if exc.field else str(exc))
        return template.to_api(), 201

    @blueprint.post("/templates/load")
    def load_templates() -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("folder"), str):
            return _error(400, "expected JSON {folder}")
        try:
            loaded = state.templates.load_folder(body["folder"])
        except (TemplateError, OSError) as exc:
            return _error(400, str(exc))
        return {"templates": [t.to_api() for t in loaded]}, 201

    @blueprint.delete("/templates/<template_id>")
    def delete_template(template_id: str) -> ResponseReturnValue:
        if not state.templates.delete(template_id):
            return _error(404, f"no template {template_id}")
        return {"status": "deleted"}

    @blueprint.post("/render")
    def preview() -> ResponseReturnValue:
        """Render a stored template (``template_id``) or inline sources without sending anything."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(
                400, "expected JSON {template_id | subject/html_content/plain_content, dynamic_template_data}"
            )
        sources = {key: body.get(key) or "" for key in ("subject", "html_content", "plain_content")}
        if body.get("template_id"):
            template = state.templates.get(body["template_id"])
            if template is None or template.active_version is None:
                return _error(404, f"no active version for template {body['template_id']}")
            version = template.active_version
            sources = {
                "subject": version.subject,
                "html_content": version.html_content,
                "plain_content": version.plain_content,
            }
        data = body.get("dynamic_template_data") or {}
        try:
            rendered = {key: render(source, data) for key, source in sources.items()}
        except TemplateSyntaxError as exc:
            return _error(400, str(exc))
        missing: list[str] = []
        for part in rendered.values():
            missing.extend(name for name in part.missing if name not in missing)
        return {
            "subject": rendered["subject"].text,
            "html": rendered["html_content"].text,
            "text": rendered["plain_content"].text,
            "missing_variables": missing,
            "render_errors": [p.error for p in rendered.values() if p.error],
        }

    @blueprint.get("/faults")
    def list_faults() -> ResponseReturnValue:
        return {"faults": [asdict(f) for f in state.faults]}

    @blueprint.post("/faults")
    def add_fault() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("status") not in FAULT_STATUSES:
            return _error(400, "expected JSON {status: 429|500|503, count: n} or {status, down: true}")
        down = body.get("down") is True
        count = body.get("count", 1)
        if not down and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            return _error(400, "count must be a positive integer")
        with state.lock:
            state.faults.append(Fault(status=body["status"], remaining=None if down else count))
        return {"faults": [asdict(f) for f in state.faults]}, 201

    @blueprint.delete("/faults")
    def clear_faults() -> ResponseReturnValue:
        with state.lock:
            state.faults.clear()
        return {"status": "cleared"}

    @blueprint.get("/messages")
    def list_messages() -> ResponseReturnValue:
        since = request.args.get("since", type=float)
        entries = state.find_entries(
            to=request.args.get("to"),
            template_id=request.args.get("template_id"),
            subject_contains=request.args.get("subject_contains"),
            since=since,
            message_id=request.args.get("message_id"),
        )
        return {"messages": [e.to_dict() for e in entries]}

    @blueprint.get("/messages/<entry_id>")
    def get_message(entry_id: str) -> ResponseReturnValue:
        entry = state.entry(entry_id)
        if entry is None:
            return _error(404, f"no message {entry_id}")
        return entry.to_dict()

    @blueprint.delete("/messages")
    def clear_messages() -> ResponseReturnValue:
        state.clear_inbox()
        return {"status": "cleared"}

    @blueprint.get("/suppressions")
    def suppressions() -> ResponseReturnValue:
        with state.lock:
            return {"bounces": sorted(state.suppressed_bounces)}

    @blueprint.delete("/suppressions")
    def clear_suppressions() -> ResponseReturnValue:
        with state.lock:
            state.suppressed_bounces.clear()
        return {"status": "cleared"}

    @blueprint.get("/event_webhook/public_key")
    def public_key() -> ResponseReturnValue:
        return {"public_key": state.public_key()}

    return blueprint
