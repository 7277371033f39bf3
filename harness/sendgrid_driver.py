"""Playing SendGrid's side in scenarios: its inbox, its faults and the account's settings.

Everything goes through the simulator's control routes (``/_sim/sendgrid/...``): the messages
the app sent (``messages``), API faults (``fault``, ``clear_faults``) and account settings such as
API keys and bouncing addresses (``configure``).
"""

from __future__ import annotations

from typing import Any

import httpx

from harness import http_clients
from harness.answers import objects_field
from harness.simulator import SimulatorHandle


class SendGridDriver:
    def __init__(self, sim: SimulatorHandle) -> None:
        self.control = http_clients.client(base_url=f"{sim.url}/_sim/sendgrid", timeout=30)

    def close(self) -> None:
        self.control.close()

    @staticmethod
    def _ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, (
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else {}

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """The mails the simulated account accepted, newest last (``to=...`` and other filters as the route takes)."""
        return objects_field(self._ok(self.control.get("/messages", params=filters)), "messages")

    def fault(self, **fault: Any) -> dict[str, Any]:
        """Make the Mail Send API fail: ``status`` with ``down=True`` until cleared, or for ``count`` requests."""
        return self._ok(self.control.post("/faults", json=fault))

    def clear_faults(self) -> dict[str, Any]:
        return self._ok(self.control.delete("/faults"))

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Account settings: ``api_keys``, ``bounce_addresses``, ``blocked_addresses``..."""
        return self._ok(self.control.post("/config", json=settings))
