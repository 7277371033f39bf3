"""Provider retry schedules, expressed in virtual seconds.

Calendly: exponential backoff for up to 24 hours, then the subscription is
disabled. Stripe live mode: exponential backoff for up to 3 days; test mode: 3
retries over a few hours. Exact intervals are not published by either provider;
these follow the documented envelope and are deterministic: doubling from one
minute, plus a last retry at the end of the window, so a receiver that recovers
at hour 23 still gets the event, as it would from Calendly.
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
    """Doubling delays while they fit in ``horizon``, then one last retry at the horizon itself."""
    delays, total, step = [], 0.0, first
    while total + step <= horizon:
        delays.append(step)
        total += step
        step *= factor
    if total < horizon:
        delays.append(horizon - total)
    return tuple(delays)


# Attempts start a little after they fall due (the clock is moved, then the request is made);
# this slack keeps that drift from cancelling the last retry of a window.
DRIFT_SLACK = 60.0

CALENDLY = RetryPolicy("calendly", _exponential(60.0, 2.0, DAY), DAY + DRIFT_SLACK)
STRIPE_LIVE = RetryPolicy("stripe-live", _exponential(60.0, 2.0, 3 * DAY), 3 * DAY + DRIFT_SLACK)
STRIPE_TEST = RetryPolicy("stripe-test", (HOUR, 2 * HOUR, 3 * HOUR), 6 * HOUR + 1)
