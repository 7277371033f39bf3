"""The app's one way to Stripe: a ``stripe.StripeClient`` built from configuration.

Never the module-global ``stripe.api_key``: the client carries its own key, API
base (the real Stripe, or a simulator) and retry setting, so two apps in one
process cannot leak settings into each other. stripe-python retries connection
errors, 409 and 5xx answers itself (``max_network_retries``), with the same
``Idempotency-Key`` each time, so a retry never makes a second object.

``classify`` turns what is left after those retries into the two things a
caller decides on: ``ProviderUnavailable`` (down, rate limited, unreachable:
the client may retry in a minute) and ``ProviderRefused`` (Stripe refused the
request itself: retrying the same call cannot help).
"""

from __future__ import annotations

import stripe
from flask import current_app

from app_under_test.config import Config

NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20


class PaymentsNotConfigured(Exception):
    """No Stripe secret key: paid sessions cannot be booked (refused before anything is written)."""


class ProviderError(Exception):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ProviderUnavailable(ProviderError):
    """Stripe could not be asked right now (5xx, 429, network error, after the library's own retries)."""

    def __init__(self, message: str, *, rate_limited: bool = False, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.rate_limited = rate_limited


class ProviderRefused(ProviderError):
    """Stripe answered and refused the request (bad parameters, authentication, a state it cannot change)."""


def build_client(config: Config) -> stripe.StripeClient:
    if not config.stripe_secret_key:
        raise PaymentsNotConfigured("Paid sessions cannot be booked yet: payments are not configured.")
    return stripe.StripeClient(
        config.stripe_secret_key,
        base_addresses={"api": config.stripe_api_base},
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def app_client() -> stripe.StripeClient:
    """This app's client (one per app, built on first use)."""
    client: stripe.StripeClient | None = current_app.extensions.get("stripe_client")
    if client is None:
        client = current_app.extensions.setdefault(
            "stripe_client", build_client(current_app.extensions["booking_config"])
        )
    return client


def classify(exc: stripe.StripeError) -> ProviderError:
    code = exc.code  # every StripeError has one (None when Stripe gave none)
    if isinstance(exc, stripe.RateLimitError):
        return ProviderUnavailable("Stripe is rate limiting requests", rate_limited=True, code=code)
    if isinstance(exc, stripe.APIConnectionError):
        return ProviderUnavailable(f"Stripe could not be reached: {exc.user_message or exc}", code=code)
    if isinstance(exc, stripe.APIError) or (exc.http_status or 0) >= 500:
        return ProviderUnavailable(f"Stripe answered {exc.http_status}: {exc.user_message or exc}", code=code)
    return ProviderRefused(f"Stripe refused the request ({exc.http_status}): {exc.user_message or exc}", code=code)
