"""The webhook delivery engine shared by every simulated provider.

A provider hands the engine an event (payload dict + how to sign it + which
retry policy applies); the engine turns it into one or more HTTP deliveries
according to the current *delivery plan* (duplicates, reordering, corrupted
signatures, dropped fields...), sends them over real HTTP, retries failures on
the virtual clock following the provider's schedule, and journals every attempt.

Public surface (import from here):
  - ``DeliveryPlan``   what faults to apply to the next matching event(s)
  - ``RetryPolicy``    a provider's retry schedule (``CALENDLY``, ``STRIPE_TEST``, ``STRIPE_LIVE``)
  - ``Signer``         protocol: ``headers(body: bytes, timestamp: int, *, wrong_key: bool) -> dict``
  - ``DeliveryEngine`` submit / flush / advance / journal / set_plan / reset
"""

from simulators.delivery.engine import Attempt, Delivery, DeliveryEngine, Signer
from simulators.delivery.plan import DeliveryPlan, PlanError
from simulators.delivery.retry import CALENDLY, STRIPE_LIVE, STRIPE_TEST, RetryPolicy

__all__ = [
    "CALENDLY",
    "STRIPE_LIVE",
    "STRIPE_TEST",
    "Attempt",
    "Delivery",
    "DeliveryEngine",
    "DeliveryPlan",
    "PlanError",
    "RetryPolicy",
    "Signer",
]
