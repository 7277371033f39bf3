"""A recording webhook receiver for simulator tests.

It stores every request it gets (raw bytes and headers) and answers with the
statuses it is told to, in order, so a test can make a receiver "down" for the
first N attempts and then recover. Waiting is on a condition with a deadline.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingReceiver:
    default_status: int = 200
    requests: list[ReceivedRequest] = field(default_factory=list)
    _scripted: deque[int] = field(default_factory=deque)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def respond_with(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then fall back to ``default_status``."""
        with self._changed:
            self._scripted.extend(statuses)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        received = ReceivedRequest(request.path, dict(request.headers), request.get_data())
        with self._changed:
            status = self._scripted.popleft() if self._scripted else self.default_status
            self.requests.append(received)
            self._changed.notify_all()
        return Response(b'{"received":true}', status=status, content_type="application/json")(environ, start_response)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedRequest]:
        """Block until at least ``count`` requests arrived; raise ``TimeoutError`` at the deadline."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"expected {count} requests, got {len(self.requests)} within {timeout}s")
            return list(self.requests)
