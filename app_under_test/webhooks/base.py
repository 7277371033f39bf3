"""What every provider's webhook module provides, and how a refusal is expressed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app_under_test.config import Config
from app_under_test.event_outcomes import Unprocessable
from app_under_test.webhooks.inbox import Handler, IncomingEvent

__all__ = ["RequestHeaders", "Unprocessable", "WebhookProvider", "WebhookRejected"]


class RequestHeaders(Protocol):
    """The headers a parser reads: werkzeug's case-insensitive ``Headers`` in the view, a plain dict in tests."""

    def get(self, key: str, /) -> str | None: ...


class WebhookRejected(Exception):
    """The request cannot be accepted; nothing was stored. Answered with ``status`` and a JSON reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookProvider:
    name: str
    # Verify the raw body and headers, validate the envelope, derive the dedupe key.
    parse: Callable[[bytes, RequestHeaders, Config], IncomingEvent]
    dispatch: Handler
