"""HTTP clients for the harness, all sharing one TLS context.

httpx builds a TLS context for every ``Client`` it creates, and building one reads the whole CA
bundle (about 20 ms). The suite opens thousands of short-lived clients (a visitor, an operator
client, a one-off control call per step), almost all of them to plain ``http://`` loopback
servers, so that bundle read was the largest single cost of a scenario. One context, built on
first use, serves every client: SSL contexts are safe to share between clients and threads.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx

DEFAULT_TIMEOUT = 30.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def client(**kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` (same arguments) that reuses the shared TLS context."""
    kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
    kwargs.setdefault("verify", tls_context())
    return httpx.Client(**kwargs)


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
