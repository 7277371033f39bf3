"""How to verify each provider: where its API is, how its states are set up, where its messages come from.

A target is a context manager taking a running simulator and yielding the
``verify_pact``/``run_verifier`` keyword arguments. The provider tests and the
broker mode of the deploy gate use the same targets, so a pact verified in the
test suite and one fetched from a Pact Broker meet the same provider.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator

import httpx

from contracts.provider import calendly_states, stripe_states
from contracts.provider.calendly_messages import CalendlyWebhookSource
from contracts.provider.calendly_sim import CalendlySim
from contracts.provider.sendgrid_messages import SendGridWebhookSource
from contracts.provider.sendgrid_states import SendGridStates
from contracts.provider.stripe_messages import StripeWebhookSource
from contracts.provider.stripe_sim import StripeSim
from contracts.support.names import (CALENDLY_API, CALENDLY_WEBHOOKS, SENDGRID_API, SENDGRID_WEBHOOKS, STRIPE_API,
                                     STRIPE_WEBHOOKS)
from contracts.support.states import StateServer
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread

VERIFY_SEED = 424242

Target = Callable[[Any], ContextManager[dict[str, Any]]]


def resetter(simulator_url: str) -> Callable[[], None]:
    def reset() -> None:
        httpx.post(f"{simulator_url}/_sim/reset", json={"seed": VERIFY_SEED}, timeout=30).raise_for_status()
    return reset


@contextmanager
def calendly_api(simulator) -> Iterator[dict[str, Any]]:
    sim = CalendlySim(simulator.url)
    try:
        with StateServer(calendly_states.setups(sim), resetter(simulator.url)) as states:
            yield {"provider_url": f"{simulator.url}/calendly", "states": states}
    finally:
        sim.close()


@contextmanager
def calendly_webhooks(simulator) -> Iterator[dict[str, Any]]:
    sim, receiver = CalendlySim(simulator.url), RecordingReceiver()
    server = serve_in_thread(receiver, name="calendly-webhook-receiver")
    source = CalendlyWebhookSource(sim, receiver, server.url)
    try:
        with StateServer(source.setups(), resetter(simulator.url)) as states:
            yield {"states": states, "messages": lambda name, metadata: source.produce(name, metadata)}
    finally:
        server.stop()
        sim.close()


@contextmanager
def stripe_api(simulator) -> Iterator[dict[str, Any]]:
    sim = StripeSim(simulator.url)
    try:
        with StateServer(stripe_states.setups(sim), resetter(simulator.url)) as states:
            yield {"provider_url": f"{simulator.url}/stripe", "states": states}
    finally:
        sim.close()


@contextmanager
def stripe_webhooks(simulator) -> Iterator[dict[str, Any]]:
    sim, receiver = StripeSim(simulator.url), RecordingReceiver()
    server = serve_in_thread(receiver, name="stripe-webhook-receiver")
    source = StripeWebhookSource(sim, receiver, server.url)
    try:
        with StateServer(source.setups(), resetter(simulator.url)) as states:
            yield {"states": states, "messages": lambda name, metadata: source.produce(name, metadata)}
    finally:
        server.stop()
        sim.close()


@contextmanager
def sendgrid_api(simulator) -> Iterator[dict[str, Any]]:
    setups = SendGridStates(simulator.url)
    try:
        with StateServer(setups.setups(), resetter(simulator.url)) as states:
            yield {"provider_url": f"{simulator.url}/sendgrid", "states": states}
    finally:
        setups.close()


@contextmanager
def sendgrid_webhooks(simulator) -> Iterator[dict[str, Any]]:
    receiver = RecordingReceiver()
    server = serve_in_thread(receiver, name="sendgrid-webhook-receiver")
    source = SendGridWebhookSource(simulator.url, receiver, server.url)
    try:
        with source.account_kept(), StateServer(source.setups(), resetter(simulator.url)) as states:
            yield {"states": states, "messages": lambda name, metadata: source.produce(name, metadata)}
    finally:
        server.stop()
        source.close()


TARGETS: dict[str, Target] = {
    CALENDLY_API: calendly_api,
    CALENDLY_WEBHOOKS: calendly_webhooks,
    STRIPE_API: stripe_api,
    STRIPE_WEBHOOKS: stripe_webhooks,
    SENDGRID_API: sendgrid_api,
    SENDGRID_WEBHOOKS: sendgrid_webhooks,
}
