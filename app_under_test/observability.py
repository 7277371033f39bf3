"""Structured JSON logs and error monitoring.

Logs are one JSON object per line (structlog), each carrying the request id.
A redaction processor scrubs every configured secret wherever it appears and
masks keys that look secret, so a careless ``log.info(headers=...)`` cannot
leak a key. Sentry is enabled when ``SENTRY_DSN`` is set, with the same scrub.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from typing import Any

import sentry_sdk
import structlog
from flask import Flask, Response, g, request
from sentry_sdk.types import Event, Hint
from structlog.typing import EventDict, WrappedLogger

from app_under_test.config import Config

SECRET_KEY_NAMES = re.compile(r"(secret|token|password|authorization|api[_-]?key|signature|cookie|dsn)", re.I)
REDACTED = "[redacted]"


class Redactor:
    def __init__(self, secret_values: list[str]) -> None:
        self.secret_values = sorted(set(secret_values), key=len, reverse=True)

    def scrub(self, value: Any, key: str | None = None) -> Any:
        if key is not None and SECRET_KEY_NAMES.search(key):
            return REDACTED
        if isinstance(value, str):
            for secret in self.secret_values:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self.scrub(v, str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> dict[str, Any]:
        plain = ("event", "level", "timestamp", "request_id")
        return {k: self.scrub(v, None if k in plain else k) for k, v in event_dict.items()}


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """A logger writing to sys.stderr as it is at the call, not as it was when logging was configured: a stream
    replaced since (a test's capture, closed when the test ends) is never written to after it is gone."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(config: Config) -> None:
    redactor = Redactor(config.secret_values())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redactor,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(config.log_level.upper())),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def configure_sentry(config: Config) -> None:
    if not config.sentry_dsn:
        return
    redactor = Redactor(config.secret_values())

    def before_send(event: Event, _hint: Hint) -> Event | None:
        scrubbed: Event = redactor.scrub(event)
        return scrubbed

    sentry_sdk.init(dsn=config.sentry_dsn, environment=config.env, traces_sample_rate=0.0, before_send=before_send)


def install_request_logging(app: Flask) -> None:
    log = structlog.get_logger("http")

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        if not request.path.startswith("/static"):
            log.info(
                "request",
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=round(elapsed, 1),
            )
        structlog.contextvars.clear_contextvars()
        return response


def report_exception(exc: BaseException) -> None:
    """Log and send to the monitoring service (no-op for Sentry when it is not configured)."""
    structlog.get_logger("errors").error("unhandled_exception", exc_info=exc)
    sentry_sdk.capture_exception(exc)
