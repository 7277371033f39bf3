"""Provider retry schedules, expressed in virtual seconds.

Calendly: exponential backoff for up to 24 hours, then the subscription is
disabled. Stripe live mode: exponential backoff for up to 3 days; test mode: 3
retries over a few hours. Exact intervals are not published by either provider;
these follow the documented envelope and are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True)
class RetryPolicy:
    name: str
    delays: tuple[float, ...]  # wait before retry k (k = 1..n), measured from the previous attempt
    give_up_after: float  # seconds since the first attempt after which no retry is scheduled

    def next_delay(self, attempts_made: int, first_attempt_at: float, now: float) -> float | None:
        """Seconds until the next retry, or None when the policy is exhausted."""
        index = attempts_made - 1
        if index >= len(self.delays):
            return None
        delay = self.delays[index]
        if now + delay - first_attempt_at > self.give_up_after:
            return None
        return delay


def _exponential(first: float, factor: float, horizon: float) -> tuple[float, ...]:
    delays, total, step = [], 0.0, first
    while total + step <= horizon:
        delays.append(step)
        total += step
        step *= factor
    return tuple(delays)


CALENDLY = RetryPolicy("calendly", _exponential(60.0, 2.0, DAY), DAY)
STRIPE_LIVE = RetryPolicy("stripe-live", _exponential(60.0, 2.0, 3 * DAY), 3 * DAY)
STRIPE_TEST = RetryPolicy("stripe-test", (HOUR, 2 * HOUR, 3 * HOUR), 6 * HOUR + 1)
