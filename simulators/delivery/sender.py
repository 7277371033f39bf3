"""The HTTP side of delivery: one POST, or the same POST fired by several threads at once.

Anything that is not a 2xx answer (another status, a timeout, a refused
connection) is a failed attempt, as it is for Stripe and Calendly; the sender
never raises for those, it reports them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import httpx

from simulators.delivery.records import RESPONSE_BODY_LIMIT
from simulators.tls import tls_context


@dataclass
class SendResult:
    request_headers: dict[str, str]  # every header that went on the wire, in the case it was sent
    status: int | None
    body: str
    error: str | None
    latency_ms: float


class Sender:
    def __init__(self, *, connect_timeout: float, read_timeout: float) -> None:
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, verify=tls_context())
        # Upper bound for threads waiting on each other before a concurrent burst.
        self._barrier_timeout = connect_timeout + read_timeout

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        sent_headers = dict(headers)
        started = time.perf_counter()
        try:
            request = self._client.build_request("POST", url, content=body, headers=headers)
            sent_headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in request.headers.raw}
            response = self._client.send(request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return SendResult(sent_headers, None, "", f"{type(exc).__name__}: {exc}", elapsed)
        elapsed = (time.perf_counter() - started) * 1000
        text = response.text[:RESPONSE_BODY_LIMIT]
        return SendResult(sent_headers, response.status_code, text, None, elapsed)

    def send_together(self, url: str, headers: dict[str, str], body: bytes, copies: int) -> list[SendResult]:
        """Send ``copies`` identical requests released at the same instant (results in copy order)."""
        if copies == 1:
            return [self.send(url, headers, body)]
        barrier = threading.Barrier(copies)
        results: list[SendResult | None] = [None] * copies

        def send_copy(index: int) -> None:
            # a sibling thread never arrived: send anyway rather than drop the copy
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(self._barrier_timeout)
            results[index] = self.send(url, headers, body)

        threads = [threading.Thread(target=send_copy, args=(i,), name=f"delivery-burst-{i}") for i in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent = [result for result in results if result is not None]
        if len(sent) != copies:  # a copy's thread died before storing its result
            raise RuntimeError(f"{copies - len(sent)} of {copies} concurrent copies were not sent")
        return sent

    def close(self) -> None:
        self._client.close()
