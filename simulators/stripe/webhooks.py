"""Webhook endpoints, their signing secrets, and handing events to the delivery engine.

Signing goes through stripe-python's own ``WebhookSignature.generate_signature_header``
(one call per active secret, joined into one ``t=..,v1=..,v1=..`` header during a
secret rotation), so the simulator can never drift from what
``stripe.Webhook.construct_event`` verifies. Secrets are read at send time:
every retry is signed afresh, with whatever secrets are active then.
"""

from __future__ import annotations

import re
from typing import Any

import stripe

from simulators.delivery import STRIPE_LIVE, STRIPE_TEST, PlanError
from simulators.stripe import errors
from simulators.stripe.checkout import _check_url
from simulators.stripe.events import SHAPE_VARIANTS, distinct_copy, serialize
from simulators.stripe.params import BOOL, META, STR, coerce, require
from simulators.stripe.state import Endpoint, StripeState
from simulators.workbench import engine_of

# Sent with every delivery besides the signature, as Stripe's webhook requests carry them.
DELIVERY_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
}
ROTATION_DEFAULT = 24 * 3600
_EVENT_NAME = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)+)$")

ENDPOINT_CREATE = {
    "url": STR,
    "enabled_events": [STR],
    "description": STR,
    "metadata": META,
    "api_version": STR,
    "connect": BOOL,
    "expand": [STR],
}
ENDPOINT_UPDATE = {
    "url": STR,
    "enabled_events": [STR],
    "description": STR,
    "metadata": META,
    "disabled": BOOL,
    "expand": [STR],
}


class StripeSigner:
    """The engine's ``Signer`` for one endpoint."""

    def __init__(self, state: StripeState, endpoint: Endpoint) -> None:
        self.state = state
        self.endpoint = endpoint

    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        if wrong_key:
            secrets = ["whsec_" + self.state.hub.token_hex("stripe.unrelated_secret", 16)]
        else:
            with self.state.lock:
                secrets = self.endpoint.active_secrets(self.state.hub.clock.now())
        return {"Stripe-Signature": signature_header(body, secrets, timestamp)}


def signature_header(body: bytes, secrets: list[str], timestamp: int) -> str:
    payload = body.decode("utf-8")
    signatures = [
        stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp).split(",", 1)[1]
        for secret in secrets
    ]
    return ",".join([f"t={timestamp}", *signatures])


def new_secret(state: StripeState) -> str:
    return state.new_id("whsec")


def _enabled_events(raw: list[str]) -> list[str]:
    for index, name in enumerate(raw):
        if not _EVENT_NAME.match(name):
            raise errors.invalid(
                f"Invalid enabled_events[{index}]: {name!r} is not an event type",
                param=f"enabled_events[{index}]",
                code="parameter_invalid_string",
            )
    return list(raw)


def create_endpoint(state: StripeState, raw_params: dict[str, Any], *, secret: str | None = None) -> Endpoint:
    """``POST /v1/webhook_endpoints`` (call with ``state.lock`` held)."""
    params = coerce(raw_params, ENDPOINT_CREATE)
    url = _check_url(require(params, "url"), "url")
    events = _enabled_events(require(params, "enabled_events"))
    if params.get("connect"):
        raise errors.invalid("Connect endpoints are not simulated", param="connect")
    endpoint = Endpoint(
        id=state.new_id("we"),
        url=url,
        enabled_events=events,
        created=state.now(),
        api_version=params.get("api_version"),
        description=params.get("description"),
        metadata=params.get("metadata") or {},
        secrets=[(secret or new_secret(state), None)],
    )
    state.endpoints[endpoint.id] = endpoint
    return endpoint


def get_endpoint(state: StripeState, endpoint_id: str) -> Endpoint:
    endpoint = state.endpoints.get(endpoint_id)
    if endpoint is None:
        raise errors.no_such("webhook endpoint", endpoint_id, "webhook_endpoint")
    return endpoint


def update_endpoint(state: StripeState, endpoint_id: str, raw_params: dict[str, Any]) -> Endpoint:
    endpoint = get_endpoint(state, endpoint_id)
    params = coerce(raw_params, ENDPOINT_UPDATE)
    if params.get("url"):
        endpoint.url = _check_url(params["url"], "url")
    if params.get("enabled_events"):
        endpoint.enabled_events = _enabled_events(params["enabled_events"])
    if "description" in params:
        endpoint.description = params["description"]
    if params.get("metadata") is not None:
        endpoint.metadata = {**endpoint.metadata, **params["metadata"]}
    if params.get("disabled") is not None:
        endpoint.status = "disabled" if params["disabled"] else "enabled"
    return endpoint


def roll_secret(state: StripeState, endpoint_id: str, expires_in: float = ROTATION_DEFAULT) -> dict[str, Any]:
    """New secret now; the current ones stay valid for ``expires_in`` more (virtual) seconds."""
    endpoint = get_endpoint(state, endpoint_id)
    now = state.hub.clock.now()
    expiry = now + expires_in
    kept = [
        (secret, expiry if exp is None else min(exp, expiry))
        for secret, exp in endpoint.secrets
        if exp is None or exp > now
    ]
    secret = new_secret(state)
    endpoint.secrets = [(secret, None), *[(s, e) for s, e in kept if e > now]]
    return {
        "id": endpoint.id,
        "secret": secret,
        "previous_secrets_expire_at": expiry,
        "active_secrets": endpoint.active_secrets(now),
    }


def endpoint_view(endpoint: Endpoint, *, with_secret: bool = False) -> dict[str, Any]:
    view = {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "api_version": endpoint.api_version,
        "application": None,
        "created": endpoint.created,
        "description": endpoint.description,
        "enabled_events": endpoint.enabled_events,
        "livemode": False,
        "metadata": endpoint.metadata,
        "status": endpoint.status,
        "url": endpoint.url,
    }
    if with_secret:  # Stripe returns the secret only when the endpoint is created
        view["secret"] = endpoint.secrets[0][0]
    return view


def publish(state: StripeState) -> int:
    """Hand every recorded event to the engine, once per subscribed endpoint. Never call with the lock held."""
    events = state.take_outbox()
    engine = state.hub.engine
    if engine is None or not events:
        return 0
    with state.lock:
        policy = STRIPE_LIVE if state.config.retry == "live" else STRIPE_TEST
        plans = [(event, [ep for ep in state.endpoints.values() if ep.wants(event["type"])]) for event in events]
    submitted = 0
    for event, endpoints in plans:
        for endpoint in endpoints:
            payload = event
            if endpoint.api_version and endpoint.api_version != event["api_version"]:
                payload = {**event, "api_version": endpoint.api_version}
            try:
                submit_event(state, endpoint, payload, policy=policy)
            except PlanError as exc:
                # A plan that cannot apply to this event (e.g. a field it lacks) must not fail the API call
                # that caused the event; the engine keeps the plan and the problem shows in /state.
                with state.lock:
                    state.plan_errors.append(
                        {
                            "event_id": event["id"],
                            "event_type": event["type"],
                            "endpoint": endpoint.url,
                            "error": str(exc),
                        }
                    )
                continue
            submitted += 1
    return submitted


def submit_event(
    state: StripeState,
    endpoint: Endpoint,
    payload: dict[str, Any],
    *,
    policy: Any = None,
    url: str | None = None,
    serialize_as: Any = None,
) -> list[Any]:
    """Hand one event to the engine for ``endpoint`` (signed with its secrets), optionally sent to another ``url``."""
    if policy is None:
        with state.lock:
            policy = STRIPE_LIVE if state.config.retry == "live" else STRIPE_TEST
    return engine_of(state.hub).submit(
        provider="stripe",
        endpoint=url or endpoint.url,
        event_type=str(payload.get("type")),
        payload=payload,
        signer=StripeSigner(state, endpoint),
        retry=policy,
        event_id=payload.get("id") if isinstance(payload.get("id"), str) else None,
        shape_variants=SHAPE_VARIANTS,
        on_exhausted=lambda d: _record_exhausted(state, d),
        serialize=serialize_as or serialize,
        distinct_variant=lambda e: distinct_copy(state, e),
        headers=DELIVERY_HEADERS,
    )


def _record_exhausted(state: StripeState, delivery: Any) -> None:
    with state.lock:
        state.exhausted.append(
            {
                "delivery_id": delivery.id,
                "event_id": delivery.event_id,
                "event_type": delivery.event_type,
                "endpoint": delivery.endpoint,
                "attempts": delivery.attempts,
            }
        )
