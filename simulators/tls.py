"""One TLS context per process for the simulators' outgoing HTTP clients.

httpx builds a TLS context, reading the whole CA bundle (about 20 ms), for every client unless it is
given one. The webhook sender and the CLI's control client are built for every simulator and every
command; one shared context serves them all (contexts are safe to share between clients and threads).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
