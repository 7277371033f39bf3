"""HTTP clients for the harness, all sharing one TLS context.

httpx builds a TLS context for every ``Client`` it creates, and building one reads the whole CA
bundle (about 20 ms). The suite opens thousands of short-lived clients (a visitor, an operator
client, a one-off control call per step), almost all of them to plain ``http://`` loopback
servers, so that bundle read was the largest single cost of a scenario. One context, built on
first use, serves every client: SSL contexts are safe to share between clients and threads.

Every client also records its last exchanges (method, URL, status, body head) through httpx's
event hooks, so a failing scenario's report can show what the steps sent and got back
(``harness.evidence``).
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT = 30.0
BODY_HEAD = 300  # characters of each response body kept


@dataclass(frozen=True)
class Exchange:
    at: float  # time.time()
    method: str
    url: str
    status: int
    body_head: str

    def describe(self) -> str:
        head = " ".join(self.body_head.split())
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.method} {self.url} -> {self.status} {head}"


class ExchangeLog:
    """The last exchanges of every client in this process (a bounded ring, safe across threads)."""

    def __init__(self, size: int = 40) -> None:
        self._rows: deque[Exchange] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, response: httpx.Response) -> None:
        response.read()
        body = response.text[:BODY_HEAD] if response.content else ""
        request = response.request
        with self._lock:
            self._rows.append(Exchange(time.time(), request.method, str(request.url), response.status_code, body))

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def rows(self) -> list[Exchange]:
        with self._lock:
            return list(self._rows)


EXCHANGES = ExchangeLog()


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def client(**kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` (same arguments) that reuses the shared TLS context."""
    kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
    kwargs.setdefault("verify", tls_context())
    hooks = kwargs.pop("event_hooks", None) or {}
    hooks = {**hooks, "response": [*hooks.get("response", []), EXCHANGES.record]}
    return httpx.Client(event_hooks=hooks, **kwargs)


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request on a fresh client, like ``httpx.request`` (no pooled connection outlives it)."""
    options = {key: kwargs.pop(key) for key in ("timeout", "follow_redirects", "headers") if key in kwargs}
    with client(**options) as one_shot:
        return one_shot.request(method, url, **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> httpx.Response:
    return request("PUT", url, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return request("DELETE", url, **kwargs)
