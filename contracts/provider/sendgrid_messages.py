"""SendGrid Event Webhook batches produced by the simulator itself, for verifying the app's message pact.

A provider state sets the simulated account up (its Event Webhook pointed at a
recording receiver, which addresses bounce, whether an unknown template is
dropped) and sends a booking mail through the v3 Mail Send API with the custom
args the app puts into its sends (``outbox_id`` from the state's parameters). The
simulator's own event builders and delivery engine then post the signed batches,
one per event kind. The message producer hands the verifier the exact bytes of
the batch asked for. So what is verified is the simulator's real output, not a
copy of it.

Every wait has a deadline: ``produce`` returns as soon as a matching batch has
arrived, and raises ``LookupError`` as soon as every batch the simulator
queued for the state has arrived without one, or when ``WAIT_SECONDS`` pass.
Names must match ``contracts/consumer/sendgrid_webhook_cases.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness import http_clients
from harness.receiver import RecordingReceiver

API_KEY = "SG.contracts-provider.event-webhook"
BOOKING_TEMPLATE = "d-9c85b537974ed61735fda4e8f18e9e7c"  # booking_confirmation in the simulator's defaults
UNKNOWN_TEMPLATE = "d-00000000000000000000000000000000"
WAIT_SECONDS = 30


@dataclass(frozen=True)
class Wanted:
    """The batch a message is: its event kind, and what else tells it from the state's other batches."""

    kind: str
    label: str
    pick: Callable[[dict[str, Any]], bool] = lambda event: True

    def matches(self, batch: Any) -> bool:
        return (
            isinstance(batch, list)
            and bool(batch)
            and all(isinstance(e, dict) and e.get("event") == self.kind and self.pick(e) for e in batch)
        )


MESSAGES: dict[str, Wanted] = {
    "bounce, the receiving server refused the address": Wanted("bounce", "a bounce"),
    "bounce, blocked for now by the receiving server": Wanted(
        "bounce", "a bounce of type blocked", lambda e: e.get("type") == "blocked"
    ),
    "dropped, the address bounced before": Wanted("dropped", "a drop"),
    "dropped, SendGrid does not have the template": Wanted("dropped", "a drop"),
    "delivered, an event the app does not act on": Wanted("delivered", "a delivery"),
}


class SendGridWebhookSource:
    def __init__(self, simulator_url: str, receiver: RecordingReceiver, receiver_url: str) -> None:
        self.http = http_clients.client(base_url=simulator_url.rstrip("/"), timeout=30)
        self.receiver = receiver
        self.receiver_url = receiver_url
        self._since = 0
        self._recipient: str | None = None  # the current state's recipient: its batches name it
        self._queued: int | None = None  # batches the simulator queued for the current state

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 300:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else {}

    @contextmanager
    def account_kept(self) -> Iterator[None]:
        """The account's settings as they were before, afterwards: they outlive a simulator reset."""
        saved = self._request("GET", "/_sim/sendgrid/config")
        try:
            yield
        finally:
            self._request("POST", "/_sim/sendgrid/config", json=saved)

    def _account(self, params: dict[str, Any], **settings: Any) -> None:
        """Every event kind on: the app subscribes to bounce and dropped only, and must not mind the others."""
        self._since, self._recipient, self._queued = len(self.receiver.requests), params["email"], None
        self._request(
            "POST",
            "/_sim/sendgrid/config",
            json={
                "api_keys": [API_KEY],
                "event_webhook_url": f"{self.receiver_url}/webhooks/sendgrid",
                "event_kinds": dict.fromkeys(("processed", "deferred", "delivered", "bounce", "dropped"), True),
                "bounce_addresses": [],
                "deferred_addresses": [],
                "blocked_addresses": [],
                "unknown_template": "reject",
                **settings,
            },
        )

    def _send(
        self, params: dict[str, Any], *, outbox_id: str | None = None, template_id: str = BOOKING_TEMPLATE
    ) -> None:
        """A booking confirmation sent as the app sends it: a dynamic template, the app's custom args."""
        outbox_id = params["outbox_id"] if outbox_id is None else outbox_id
        self._request(
            "POST",
            "/sendgrid/v3/mail/send",
            headers={"Authorization": f"Bearer {API_KEY}"},
            json={
                "from": {"email": "bookings@example.com", "name": "Bookings"},
                "personalizations": [
                    {
                        "to": [{"email": params["email"], "name": "Grace Hopper"}],
                        "dynamic_template_data": {
                            "client_name": "Grace Hopper",
                            "booking_reference": "bk_contract_mail",
                        },
                    }
                ],
                "template_id": template_id,
                "categories": ["booking_confirmation"],
                "custom_args": {
                    "outbox_id": outbox_id,
                    "mail_kind": "booking_confirmation",
                    "booking": "bk_contract_mail",
                },
            },
        )

    def _sent(self) -> None:
        """Note how many batches the simulator queued: the state's sends are accepted, so all are queued."""
        deliveries = self._request("GET", "/_sim/deliveries", params={"provider": "sendgrid"})["deliveries"]
        self._queued = len(deliveries)

    def bounced(self, params: dict[str, Any]) -> None:
        self._account(params, bounce_addresses=[params["email"]])
        self._send(params)
        self._sent()

    def blocked(self, params: dict[str, Any]) -> None:
        self._account(params, blocked_addresses=[params["email"]])
        self._send(params)
        self._sent()

    def bounced_before(self, params: dict[str, Any]) -> None:
        self._account(params, bounce_addresses=[params["email"]])
        self._send(params, outbox_id=str(int(params["outbox_id"]) - 1))  # an earlier mail: it bounces
        self._send(params)  # SendGrid now suppresses the address
        self._sent()

    def unknown_template(self, params: dict[str, Any]) -> None:
        self._account(params, unknown_template="drop")  # as SendGrid does: accepted, then dropped
        self._send(params, template_id=UNKNOWN_TEMPLATE)
        self._sent()

    def delivered(self, params: dict[str, Any]) -> None:
        self._account(params)
        self._send(params)
        self._sent()

    def setups(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        return {
            "a booking mail to the client bounced": self.bounced,
            "the receiving server blocked a booking mail for now": self.blocked,
            "a booking mail was sent to an address that bounced before": self.bounced_before,
            "a booking mail named a template SendGrid does not have": self.unknown_template,
            "a booking mail was delivered": self.delivered,
        }

    def _ours(self, batch: Any) -> bool:
        """A batch about this state's recipient (a late batch of the previous state may still land)."""
        return isinstance(batch, list) and any(isinstance(e, dict) and e.get("email") == self._recipient for e in batch)

    def produce(self, name: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """The delivered bytes of message ``name`` (waiting for the state's deliveries, with a deadline)."""
        wanted = MESSAGES[name]
        deadline = time.monotonic() + WAIT_SECONDS
        seen, ours = self._since, 0
        while True:
            requests = self.receiver.requests
            for request in requests[seen:]:
                batch = json.loads(request.body)
                if not self._ours(batch):
                    continue
                if wanted.matches(batch):
                    return {"contents": request.body, "metadata": None, "content_type": "application/json"}
                ours += 1
            seen = len(requests)
            if self._queued is not None and ours >= self._queued:
                raise LookupError(
                    f"the simulator delivered all {self._queued} batches of this state, "
                    f"none of them {wanted.label} ({name!r})"
                )
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                self.receiver.wait_for(seen + 1, timeout=remaining)
            except TimeoutError:
                raise LookupError(
                    f"the simulator delivered no batch matching {name!r} within {WAIT_SECONDS}s "
                    f"({ours} of this state's {self._queued} batches arrived)"
                ) from None

    def close(self) -> None:
        self.http.close()
