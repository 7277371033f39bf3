"""SendGrid's account-level v3 routes an app uses when it is deployed.

Two families, so that production set-up code runs unchanged against the
simulator: the Templates API (create a dynamic template, add and activate
versions, read them back) and the legacy single Event Webhook settings
(``/v3/user/webhooks/event/settings``, plus ``/signed`` for the verification
key). Only ``generation: "dynamic"`` templates are simulated; a legacy
template request is refused rather than silently giving an id that would not
work with ``dynamic_template_data``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from simulators.sendgrid import responses
from simulators.sendgrid.state import SendGridState
from simulators.sendgrid.template_store import DynamicTemplate, TemplateError

# Every flag SendGrid's settings object carries; only ``state.EVENT_KINDS`` are ever produced here.
WEBHOOK_FLAGS = (
    "bounce",
    "click",
    "deferred",
    "delivered",
    "dropped",
    "group_resubscribe",
    "group_unsubscribe",
    "open",
    "processed",
    "spam_report",
    "unsubscribe",
)


def _json_object() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def account_blueprint(state: SendGridState) -> Blueprint:
    blueprint = Blueprint("sendgrid_account", __name__)
    store = state.templates

    def template_or_404(template_id: str) -> DynamicTemplate | Response:
        template = store.get(template_id)
        return template if template is not None else responses.error(404, "resource not found", "template_id")

    @blueprint.post("/v3/templates")
    def create_template() -> ResponseReturnValue:
        body = _json_object()
        if body is None:
            return responses.bad_json()
        if body.get("generation", "legacy") != "dynamic":
            return responses.error(
                400, 'only dynamic templates are simulated: send "generation": "dynamic"', "generation"
            )
        try:
            template = store.create(body.get("name"))
        except TemplateError as exc:
            return responses.error(400, str(exc), exc.field)
        return template.to_api(), 201

    @blueprint.get("/v3/templates")
    def list_templates() -> ResponseReturnValue:
        page_size = request.args.get("page_size", type=int)
        if page_size is None or not 1 <= page_size <= 200:
            return responses.error(400, "page_size should be an integer between 1 and 200", "page_size")
        generations = set((request.args.get("generations") or "legacy").split(","))
        found = [t.to_api() for t in store.all() if t.generation in generations][:page_size]
        return {"result": found, "_metadata": {"count": len(found)}}

    @blueprint.get("/v3/templates/<template_id>")
    def get_template(template_id: str) -> ResponseReturnValue:
        template = template_or_404(template_id)
        return template if isinstance(template, Response) else template.to_api()

    @blueprint.patch("/v3/templates/<template_id>")
    def rename_template(template_id: str) -> ResponseReturnValue:
        template = template_or_404(template_id)
        if isinstance(template, Response):
            return template
        body = _json_object() or {}
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return responses.error(400, "name is required", "name")
        template.name = name
        return template.to_api()

    @blueprint.delete("/v3/templates/<template_id>")
    def delete_template(template_id: str) -> ResponseReturnValue:
        if not store.delete(template_id):
            return responses.error(404, "resource not found", "template_id")
        return "", 204

    @blueprint.post("/v3/templates/<template_id>/versions")
    def create_version(template_id: str) -> ResponseReturnValue:
        missing = template_or_404(template_id)
        if isinstance(missing, Response):
            return missing
        body = _json_object()
        if body is None:
            return responses.bad_json()
        try:
            version = store.add_version(template_id, body)
        except TemplateError as exc:
            return responses.error(400, str(exc), exc.field)
        return version.to_api(), 201

    @blueprint.get("/v3/templates/<template_id>/versions/<version_id>")
    def get_version(template_id: str, version_id: str) -> ResponseReturnValue:
        template = template_or_404(template_id)
        if isinstance(template, Response):
            return template
        version = next((v for v in template.versions if v.id == version_id), None)
        return version.to_api() if version else responses.error(404, "resource not found", "version_id")

    @blueprint.post("/v3/templates/<template_id>/versions/<version_id>/activate")
    def activate_version(template_id: str, version_id: str) -> ResponseReturnValue:
        template = template_or_404(template_id)
        if isinstance(template, Response):
            return template
        if not any(v.id == version_id for v in template.versions):
            return responses.error(404, "resource not found", "version_id")
        for version in template.versions:
            version.active = 1 if version.id == version_id else 0
        active = template.active_version
        if active is None:  # the loop above made one active
            raise LookupError(f"template {template_id} has no active version after activating {version_id}")
        return active.to_api()

    def webhook_settings() -> dict[str, Any]:
        config = state.config
        settings = {flag: bool(config.event_kinds.get(flag, False)) for flag in WEBHOOK_FLAGS}
        return {
            "enabled": config.event_webhook_enabled,
            "url": config.event_webhook_url or "",
            **settings,
            "oauth_client_id": "",
            "oauth_token_url": "",
        }

    @blueprint.get("/v3/user/webhooks/event/settings")
    def get_webhook_settings() -> ResponseReturnValue:
        return webhook_settings()

    @blueprint.patch("/v3/user/webhooks/event/settings")
    def update_webhook_settings() -> ResponseReturnValue:
        body = _json_object()
        if body is None:
            return responses.bad_json()
        with state.lock:
            config = state.config
            if "url" in body:
                if not isinstance(body["url"], str):
                    return responses.error(400, "url must be a string", "url")
                config.event_webhook_url = body["url"] or None
            if "enabled" in body:
                config.event_webhook_enabled = bool(body["enabled"])
            for flag in WEBHOOK_FLAGS:
                if flag in body:
                    config.event_kinds[flag] = bool(body[flag])
        return webhook_settings()

    @blueprint.get("/v3/user/webhooks/event/settings/signed")
    def get_signed_settings() -> ResponseReturnValue:
        return {"public_key": state.public_key()}

    @blueprint.patch("/v3/user/webhooks/event/settings/signed")
    def update_signed_settings() -> ResponseReturnValue:
        # Signing is always on in the simulator; the key is what callers need.
        return {"public_key": state.public_key()}

    return blueprint
