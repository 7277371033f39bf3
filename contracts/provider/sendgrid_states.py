"""Provider states of the SendGrid API pact, set up in the simulator through ``/_sim/sendgrid``.

The simulator loads the booking mails' dynamic templates at start and after
every reset, so a state only says which API keys the account accepts and
which faults it has. Names must match ``contracts/consumer/sendgrid_api_cases.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness import http_clients


class SendGridStates:
    def __init__(self, simulator_url: str) -> None:
        self.http = http_clients.client(base_url=f"{simulator_url.rstrip('/')}/_sim/sendgrid", timeout=30)

    def _post(self, path: str, body: dict[str, Any]) -> None:
        response = self.http.post(path, json=body)
        if response.status_code >= 300:
            raise AssertionError(f"POST /_sim/sendgrid{path} -> {response.status_code}: {response.text[:300]}")

    def key_may_send(self, params: dict[str, Any]) -> None:
        self._post("/config", {"api_keys": [params["api_key"]]})

    def key_revoked(self, params: dict[str, Any]) -> None:
        self._post("/config", {"api_keys": ["SG.the-account-s-current-key"]})

    def rate_limited(self, params: dict[str, Any]) -> None:
        self.key_may_send(params)
        self._post("/faults", {"status": 429, "count": 1})

    def setups(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        return {
            "the app's API key may send mail": self.key_may_send,
            "the app's API key was revoked": self.key_revoked,
            "SendGrid is rate limiting the app": self.rate_limited,
        }

    def close(self) -> None:
        self.http.close()
