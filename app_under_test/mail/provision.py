"""Putting the app's mail set-up into a SendGrid account, through SendGrid's own v3 API.

``provision_templates`` makes sure each template in ``kinds.TEMPLATES`` exists
as a *dynamic* template (found by name, else created) whose active version
holds exactly the sources in ``templates/mail/``; a changed source becomes a
new active version, an unchanged one is left alone, so running it twice
changes nothing. It returns the ids to put into configuration.

``register_event_webhook`` points the account's signed Event Webhook at this
app's ``/webhooks/sendgrid`` for the events the app acts on (bounce, dropped)
and returns the verification key for ``SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sendgrid import SendGridAPIClient

from app_under_test.config import Config
from app_under_test.mail import kinds

PROVISION_TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 200  # SendGrid's maximum; more templates than this would need its page tokens
WEBHOOK_EVENTS = {
    "bounce": True,
    "dropped": True,
    "delivered": False,
    "deferred": False,
    "processed": False,
    "open": False,
    "click": False,
    "spam_report": False,
    "unsubscribe": False,
    "group_unsubscribe": False,
    "group_resubscribe": False,
}


class ProvisioningError(RuntimeError):
    pass


def _client(config: Config) -> SendGridAPIClient:
    if not config.sendgrid_api_key:
        raise ProvisioningError("SENDGRID_API_KEY is not set")
    client = SendGridAPIClient(config.sendgrid_api_key, host=config.sendgrid_api_base)
    client.client.timeout = PROVISION_TIMEOUT_SECONDS
    return client


def _json(response: Any) -> dict[str, Any]:  # python_http_client's Response (untyped)
    return json.loads(response.body) if response.body else {}


def _version_label(template: kinds.Template, sources: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()[:10]
    return f"{template.name} {digest}"


def _active_sources(api: SendGridAPIClient, template_id: str, listed: dict[str, Any]) -> dict[str, str] | None:
    active = next((v for v in listed.get("versions") or [] if v.get("active")), None)
    if active is None:
        return None
    version = _json(api.templates._(template_id).versions._(active["id"]).get())
    return {part: version.get(part) or "" for part in ("subject", "html_content", "plain_content")}


def provision_templates(config: Config) -> dict[str, str]:
    """Create or update every dynamic template; returns ``{ENV_NAME: template id}``."""
    api = _client(config).client
    listed = _json(api.templates.get(query_params={"generations": "dynamic", "page_size": PAGE_SIZE}))
    by_name = {t.get("name"): t for t in listed.get("result") or []}
    ids: dict[str, str] = {}
    for template in kinds.TEMPLATES.values():
        sources = kinds.template_sources(template.key)
        existing = by_name.get(template.name)
        if existing is None:
            existing = _json(api.templates.post(request_body={"name": template.name, "generation": "dynamic"}))
        template_id = existing["id"]
        if _active_sources(api, template_id, existing) != sources:
            api.templates._(template_id).versions.post(
                request_body={
                    "name": _version_label(template, sources),
                    "active": 1,
                    "editor": "code",
                    "generate_plain_content": False,
                    **sources,
                }
            )
        ids[template.env_name] = template_id
    return ids


def register_event_webhook(config: Config, url: str | None = None) -> str:
    """Point the signed Event Webhook at this app; returns the public key to verify it with."""
    api = _client(config).client
    url = url or f"{str(config.public_base_url).rstrip('/')}/webhooks/sendgrid"
    api.user.webhooks.event.settings.patch(request_body={"enabled": True, "url": url, **WEBHOOK_EVENTS})
    signed = _json(api.user.webhooks.event.settings.signed.patch(request_body={"enabled": True}))
    if not signed.get("public_key"):
        raise ProvisioningError("SendGrid returned no verification key for the signed Event Webhook")
    public_key: str = signed["public_key"]
    return public_key
