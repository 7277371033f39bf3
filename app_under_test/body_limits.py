"""How big a request body may be, and the same answer whether the client sent its length or not.

Forms and the operator API are small; provider webhooks get their own, larger limit. Every request
gets its limit in the app's first ``before_request``, before anything reads a body, so Flask's app-wide
``MAX_CONTENT_LENGTH`` would never be read and is not set.

A body declared too long (``Content-Length``) is refused by Werkzeug at once. A body sent in chunks,
with no length, is another matter: Werkzeug stops reading it at the limit without saying so, and the
truncated bytes then fail whatever reads them (a webhook's signature, a JSON body), with a reason that
blames the wrong thing. So a chunked body is read here first, up to one byte past the limit: over it,
the answer is the same 413 as for a declared length; within it, the body is handed on with its length,
as if the client had sent one.
"""

from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from app_under_test.config import Config

READ_SIZE = 64 * 1024


def _buffer_chunked_body(limit: int) -> None:
    # The transfer encoding decides: Werkzeug ignores a Content-Length sent along with chunked (RFC 9112, 6.3), so
    # such a body would be cut at the limit too. gunicorn refuses one; Werkzeug's own server passes it on.
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    source = request.environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        piece = source.read(min(READ_SIZE, limit + 1 - len(body)))
        if not piece:
            break
        body.extend(piece)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(bytes(body))
    request.environ["CONTENT_LENGTH"] = str(len(body))


def install(app: Flask, config: Config) -> None:
    """Must be the first ``before_request`` of the app: nothing may read a body before it."""

    @app.before_request
    def _body_limit() -> None:
        webhook = request.path.startswith("/webhooks/")
        limit = config.max_webhook_bytes if webhook else config.max_form_bytes
        request.max_content_length = limit
        _buffer_chunked_body(limit)
