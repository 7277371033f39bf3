"""How to verify each provider: where its API is, how its states are set up, where its messages come from.

A target is a context manager taking a running simulator and yielding the
``verify_pact``/``run_verifier`` keyword arguments. The provider tests and the
broker mode of the deploy gate use the same targets, so a pact verified in the
test suite and one fetched from a Pact Broker meet the same provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from contracts.provider import calendly_states, stripe_states
from contracts.provider.calendly_messages import CalendlyWebhookSource
from contracts.provider.calendly_sim import CalendlySim
from contracts.provider.sendgrid_messages import SendGridWebhookSource
from contracts.provider.sendgrid_states import SendGridStates
from contracts.provider.stripe_messages import StripeWebhookSource
from contracts.provider.stripe_sim import StripeSim
from contracts.support.names import (
    CALENDLY_API,
    CALENDLY_WEBHOOKS,
    SENDGRID_API,
    SENDGRID_WEBHOOKS,
    STRIPE_API,
    STRIPE_WEBHOOKS,
)
from contracts.support.states import StateServer
from harness import http_clients
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread

VERIFY_SEED = 424242

Target = Callable[[Any], AbstractContextManager[dict[str, Any]]]


def resetter(simulator_url: str) -> Callable[[], None]:
    def reset() -> None:
        http_clients.post(f"{simulator_url}/_sim/reset", json={"seed": VERIFY_SEED}, timeout=30).raise_for_status()

    return reset


@contextmanager
def _api(
    simulator, path: str, setups: dict[str, Callable[..., Any]], close: Callable[[], None]
) -> Iterator[dict[str, Any]]:
    """Replay requests against ``{simulator}/{path}``; provider states set up by ``setups``."""
    try:
        with StateServer(setups, resetter(simulator.url)) as states:
            yield {"provider_url": f"{simulator.url}/{path}", "states": states}
    finally:
        close()


@contextmanager
def _webhooks(
    simulator, name: str, make_source: Callable[[RecordingReceiver, str], Any], close: Callable[[], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Messages the simulator really delivered to a recording receiver (``make_source(receiver, url)``);
    ``close`` (default: the source's own) runs at the end."""
    receiver = RecordingReceiver()
    server = serve_in_thread(receiver, name=f"{name}-webhook-receiver")
    source = make_source(receiver, server.url)
    kept = getattr(source, "account_kept", nullcontext)  # settings that outlive a simulator reset
    try:
        with kept(), StateServer(source.setups(), resetter(simulator.url)) as states:
            yield {"states": states, "messages": source.produce}
    finally:
        server.stop()
        (close or source.close)()


def calendly_api(simulator) -> AbstractContextManager[dict[str, Any]]:
    sim = CalendlySim(simulator.url)
    return _api(simulator, "calendly", calendly_states.setups(sim), sim.close)


def calendly_webhooks(simulator) -> AbstractContextManager[dict[str, Any]]:
    sim = CalendlySim(simulator.url)
    return _webhooks(simulator, "calendly", lambda receiver, url: CalendlyWebhookSource(sim, receiver, url), sim.close)


def stripe_api(simulator) -> AbstractContextManager[dict[str, Any]]:
    sim = StripeSim(simulator.url)
    return _api(simulator, "stripe", stripe_states.setups(sim), sim.close)


def stripe_webhooks(simulator) -> AbstractContextManager[dict[str, Any]]:
    sim = StripeSim(simulator.url)
    return _webhooks(simulator, "stripe", lambda receiver, url: StripeWebhookSource(sim, receiver, url), sim.close)


def sendgrid_api(simulator) -> AbstractContextManager[dict[str, Any]]:
    setups = SendGridStates(simulator.url)
    return _api(simulator, "sendgrid", setups.setups(), setups.close)


def sendgrid_webhooks(simulator) -> AbstractContextManager[dict[str, Any]]:
    return _webhooks(simulator, "sendgrid", lambda receiver, url: SendGridWebhookSource(simulator.url, receiver, url))


TARGETS: dict[str, Target] = {
    CALENDLY_API: calendly_api,
    CALENDLY_WEBHOOKS: calendly_webhooks,
    STRIPE_API: stripe_api,
    STRIPE_WEBHOOKS: stripe_webhooks,
    SENDGRID_API: sendgrid_api,
    SENDGRID_WEBHOOKS: sendgrid_webhooks,
}
