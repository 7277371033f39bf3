"""What happens to a valid ``POST /v3/mail/send`` body: render, file, and report.

Each personalization is one email; each of its recipients (to, cc and bcc)
gets an inbox entry holding what that person would see: the subject, HTML and
text rendered from the dynamic template's active version with that
personalization's ``dynamic_template_data`` (or the request's own ``content``
and ``subject`` when there is no template), plus the variables the template
printed but the data lacked. The recipients' outcomes (delivered, bounce,
dropped, deferred) are decided here and their events handed to the webhook.

Not simulated: legacy ``substitutions``/``sections``, ``send_at`` scheduling
(mail is "sent" at once), attachments beyond storing them in the raw request.
"""

from __future__ import annotations

from typing import Any

from simulators.sendgrid import webhook
from simulators.sendgrid.events import Outcome
from simulators.sendgrid.handlebars import render
from simulators.sendgrid.state import InboxEntry, SendGridState, matches_any
from simulators.sendgrid.template_store import TemplateVersion

INVALID_TEMPLATE_DROP_REASON = "Invalid SMTPAPI header"


def is_sandbox(body: dict[str, Any]) -> bool:
    settings = body.get("mail_settings")
    sandbox = settings.get("sandbox_mode") if isinstance(settings, dict) else None
    return isinstance(sandbox, dict) and sandbox.get("enable") is True


def _content(body: dict[str, Any], content_type: str) -> str:
    for block in body.get("content") or []:
        value = block.get("value") if isinstance(block, dict) else None
        if isinstance(value, str) and block.get("type") == content_type:
            return value
    return ""


def _render_parts(
    version: TemplateVersion | None, body: dict[str, Any], personalization: dict[str, Any]
) -> tuple[str, str, str, list[str], list[str]]:
    """Subject, HTML, text, missing variables and render errors for one personalization."""
    fallback_subject = personalization.get("subject") or body.get("subject") or ""
    if version is None:
        return fallback_subject, _content(body, "text/html"), _content(body, "text/plain"), [], []
    data = personalization.get("dynamic_template_data") or {}
    subject = render(version.subject, data)
    html = render(version.html_content, data)
    text = render(version.plain_content, data)
    missing: list[str] = []
    for part in (subject, html, text):
        missing.extend(name for name in part.missing if name not in missing)
    errors = [
        f"{name}: {part.error}" for name, part in (("subject", subject), ("html", html), ("text", text)) if part.error
    ]
    return subject.text or fallback_subject, html.text, text.text, missing, errors


def _outcome(state: SendGridState, email: str, template_dropped: bool) -> Outcome:
    config = state.config
    if template_dropped:
        return Outcome("dropped", drop_reason=INVALID_TEMPLATE_DROP_REASON)
    if email.lower() in state.suppressed_bounces:
        return Outcome("dropped", drop_reason="Bounced Address")
    if matches_any(email, config.bounce_addresses):
        state.suppressed_bounces[email.lower()] = state.hub.clock.now()
        return Outcome("bounce")
    if matches_any(email, config.blocked_addresses):
        return Outcome("bounce", blocked=True)  # not suppressed: a block is about the sender, not the address
    return Outcome("delivered", deferred=matches_any(email, config.deferred_addresses))


def accept(state: SendGridState, body: dict[str, Any], request_headers: dict[str, str]) -> str:
    """File a validated send and queue its events; returns the X-Message-Id."""
    with state.lock:
        message_id = state.new_message_id()
        filter_token = state.hub.token_hex("sendgrid.filter_token", 4).upper()  # sg_message_id's middle part
        now, real_now = state.hub.clock.now(), state.hub.clock.real_now()
        template_id = body.get("template_id")
        template = state.templates.get(template_id) if template_id else None
        version = template.active_version if template else None
        template_dropped = bool(template_id) and template is None
        entries: list[InboxEntry] = []
        produced: list[dict[str, Any]] = []
        for p_index, personalization in enumerate(body["personalizations"]):
            subject, html, text, missing, errors = _render_parts(version, body, personalization)
            sender = personalization.get("from") or body["from"]
            reply_to = body.get("reply_to") or {}
            custom_args = {**(body.get("custom_args") or {}), **(personalization.get("custom_args") or {})}
            headers = {**(body.get("headers") or {}), **(personalization.get("headers") or {})}
            for kind in ("to", "cc", "bcc"):
                for recipient in personalization.get(kind) or []:
                    copy_index = len(entries)
                    entry = InboxEntry(
                        id=f"{message_id}-{copy_index}",
                        message_id=message_id,
                        to=recipient["email"],
                        to_name=recipient.get("name"),
                        recipient_type=kind,
                        personalization_index=p_index,
                        from_email=sender["email"],
                        from_name=sender.get("name"),
                        reply_to=reply_to.get("email"),
                        subject=subject,
                        html=html,
                        text=text,
                        template_id=template_id,
                        template_version_id=version.id if version else None,
                        dynamic_template_data=personalization.get("dynamic_template_data") or {},
                        missing_variables=list(missing),
                        render_errors=list(errors),
                        categories=list(body.get("categories") or []),
                        custom_args=custom_args,
                        headers=headers,
                        request_json=body,
                        request_headers=request_headers,
                        virtual_time=now,
                        real_time=real_now,
                    )
                    outcome = _outcome(state, entry.to, template_dropped)
                    entry.status = "blocked" if outcome.blocked else outcome.final
                    produced.extend(webhook.build_events(state, entry, outcome, copy_index, filter_token))
                    entries.append(entry)
        state.add_entries(entries)
        webhook.submit_batches(state, produced)
        return message_id
