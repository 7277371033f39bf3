"""Calendly API v2 routes for webhook subscriptions and routing forms.

Subscriptions are how the app registers its endpoint (production configuration
step); creating the same URL twice for one scope answers 409 "Already Exists",
and a subscription whose deliveries failed for 24 hours reads back as
``state: disabled`` with ``retry_started_at`` set.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from simulators.calendly import resources
from simulators.calendly.account import CalendlyAccount
from simulators.calendly.actions import ActionError, invalid
from simulators.calendly.api_support import filter_items, json_body, not_found, paginate
from simulators.calendly.state import WEBHOOK_EVENTS, Subscription

SCOPES = ("user", "organization")


def webhooks_blueprint(account: CalendlyAccount) -> Blueprint:
    state, dispatcher = account.state, account.dispatcher
    bp = Blueprint("calendly_webhooks", __name__)

    def render(subscription: Subscription) -> dict[str, Any]:
        dispatcher.refresh(subscription)
        return resources.subscription(subscription)

    def organization_arg(value: object) -> str:
        if not value:
            raise invalid("organization", "is required")
        if value != state.ensure_organization().uri:
            raise invalid("organization", "is invalid")
        return value

    @bp.post("/webhook_subscriptions")
    def create_subscription() -> ResponseReturnValue:
        body = json_body()
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("url", "must be an http(s) URL")
        wanted = body.get("events")
        if not isinstance(wanted, list) or not wanted:
            raise invalid("events", "must be a non-empty list")
        unknown = [e for e in wanted if e not in WEBHOOK_EVENTS]
        if unknown:
            raise invalid("events", f"unsupported event(s): {', '.join(map(str, unknown))}")
        organization = organization_arg(body.get("organization"))
        scope = body.get("scope")
        if scope not in SCOPES:
            raise invalid("scope", "must be user or organization")
        user_uri = None
        if scope == "user":
            user = state.user(body.get("user"))
            if user is None:
                raise invalid("user", "is required for the user scope")
            user_uri = user.uri
        if "routing_form_submission.created" in wanted and scope != "organization":
            raise invalid("events", "routing_form_submission.created is only allowed with the organization scope")
        signing_key = body.get("signing_key")
        if signing_key is not None and (not isinstance(signing_key, str) or not signing_key):
            raise invalid("signing_key", "must be a non-empty string")
        with state.lock:
            if any(s.callback_url == url and s.scope == scope for s in state.subscriptions.values()):
                raise ActionError(409, "Already Exists", "Hook with this url already exists")
            now = state.now()
            subscription = Subscription(
                uuid=state.new_uuid("webhook_subscription"),
                callback_url=url,
                events=list(dict.fromkeys(wanted)),
                scope=scope,
                organization=organization,
                user=user_uri,
                creator=g.user.uri,
                signing_key=signing_key,
                created_at=now,
                updated_at=now,
            )
            state.subscriptions[subscription.uuid] = subscription
            return {"resource": render(subscription)}, 201

    @bp.get("/webhook_subscriptions")
    def list_subscriptions() -> ResponseReturnValue:
        organization = organization_arg(request.args.get("organization"))
        scope = request.args.get("scope")
        if scope not in SCOPES:
            raise invalid("scope", "must be user or organization")
        checks = [lambda s: s.organization == organization, lambda s: s.scope == scope]
        if scope == "user":
            user = state.user(request.args.get("user"))
            if user is None:
                raise invalid("user", "is required for the user scope")
            checks.append(lambda s: s.user == user.uri)
        with state.lock:
            return paginate(filter_items(state.subscriptions.values(), *checks), render)

    @bp.get("/webhook_subscriptions/<uuid>")
    def get_subscription(uuid: str) -> ResponseReturnValue:
        subscription = state.subscriptions.get(uuid)
        if subscription is None:
            raise not_found()
        with state.lock:
            return {"resource": render(subscription)}

    @bp.delete("/webhook_subscriptions/<uuid>")
    def delete_subscription(uuid: str) -> ResponseReturnValue:
        with state.lock:
            if state.subscriptions.pop(uuid, None) is None:
                raise not_found()
        return "", 204

    @bp.get("/routing_forms")
    def list_routing_forms() -> ResponseReturnValue:
        organization_arg(request.args.get("organization"))
        with state.lock:
            return paginate(list(state.routing_forms.values()), lambda f: resources.routing_form(state, f))

    @bp.get("/routing_forms/<uuid>")
    def get_routing_form(uuid: str) -> ResponseReturnValue:
        form = state.routing_forms.get(uuid)
        if form is None:
            raise not_found()
        return {"resource": resources.routing_form(state, form)}

    @bp.get("/routing_form_submissions")
    def list_submissions() -> ResponseReturnValue:
        form = state.routing_form(request.args.get("form"))
        if form is None:
            raise invalid("form", "is required")
        with state.lock:
            items = filter_items(state.submissions.values(), lambda s: s.form_uuid == form.uuid)
            return paginate(items, lambda s: resources.routing_form_submission(state, s))

    @bp.get("/routing_form_submissions/<uuid>")
    def get_submission(uuid: str) -> ResponseReturnValue:
        submission = state.submissions.get(uuid)
        if submission is None:
            raise not_found()
        with state.lock:
            return {"resource": resources.routing_form_submission(state, submission)}

    return bp
