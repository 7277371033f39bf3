"""Stripe's idempotent requests: one ``Idempotency-Key`` -> one result.

stripe-python sends a fresh ``Idempotency-Key`` with every POST and reuses it
on its own retries, so this is what turns "the response was lost, the client
retried" into exactly one Checkout Session. Rules, from Stripe's docs:
  - keys are scoped to the API key and kept 24 hours;
  - the first result is stored only once the endpoint began executing
    (parameter errors are not stored); a replay returns the same status and
    body with ``Idempotent-Replayed: true`` and ``Original-Request``;
  - reusing a key with other parameters or another endpoint is an
    ``idempotency_error`` (400); a key still in flight gets a 409.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from simulators.stripe import errors

KEY_LIFETIME = 24 * 3600


@dataclass
class StoredResult:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes
    request_id: str
    created: float


class IdempotencyStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[tuple[str, str], StoredResult] = {}
        self._in_flight: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self._in_flight.clear()

    def begin(
        self, scope: str, key: str, method: str, path: str, params: dict[str, Any], now: float
    ) -> StoredResult | None:
        """The stored result to replay, or None after marking the key in flight; raises on misuse."""
        slot = (scope, key)
        with self._lock:
            stored = self._results.get(slot)
            if stored is not None and now - stored.created > KEY_LIFETIME:
                del self._results[slot]
                stored = None
            if stored is not None:
                _check_same(key, stored.method, stored.path, stored.params, method, path, params)
                return stored
            if slot in self._in_flight:
                first_method, first_path, first_params = self._in_flight[slot]
                _check_same(key, first_method, first_path, first_params, method, path, params)
                raise errors.idempotency_in_use(key)
            self._in_flight[slot] = (method, path, params)
            return None

    def finish(self, scope: str, key: str, result: StoredResult | None) -> None:
        """Release the key; store ``result`` (None: the request never started executing)."""
        with self._lock:
            self._in_flight.pop((scope, key), None)
            if result is not None:
                self._results[(scope, key)] = result

    def count(self) -> int:
        with self._lock:
            return len(self._results)


def _check_same(
    key: str,
    first_method: str,
    first_path: str,
    first_params: dict[str, Any],
    method: str,
    path: str,
    params: dict[str, Any],
) -> None:
    if (first_method, first_path) != (method, path):
        raise errors.idempotency_endpoint_mismatch(key, f"{first_method} {first_path}", f"{method} {path}")
    if first_params != params:
        raise errors.idempotency_mismatch(key)
