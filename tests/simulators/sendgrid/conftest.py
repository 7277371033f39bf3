"""Fixtures for the SendGrid simulator tests: a driver over a live simulator, and the official client.

``sg`` talks to the simulator only over HTTP: the official ``sendgrid``
library for the v3 API (what the app uses) and httpx for the control routes.
The account is configured with one API key, ``API_KEY``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sendgrid import SendGridAPIClient
from sendgrid.helpers.eventwebhook import EventWebhook, EventWebhookHeader
from sendgrid.helpers.mail import Mail

from harness import http_clients

API_KEY = "SG.simulator-test-key"
CONFIRMATION_TEMPLATE = "d-9c85b537974ed61735fda4e8f18e9e7c"
CONFIRMATION_DATA = {
    "client_name": "Ann Lee",
    "session_name": "Intro call",
    "builder_name": "Raj Patel",
    "start_local": "Tue 3 Mar 2026, 14:00",
    "timezone": "Europe/London",
    "duration_minutes": 30,
    "booking_reference": "BK-0001",
    "manage_url": "https://app.test/bookings/1",
    "is_paid": False,
}


def template_mail(
    to: str = "ann@example.com", data: dict[str, Any] | None = None, template_id: str = CONFIRMATION_TEMPLATE
) -> Mail:
    mail = Mail(from_email=("bookings@builders.test", "Builders"), to_emails=to)
    mail.template_id = template_id
    mail.dynamic_template_data = CONFIRMATION_DATA if data is None else data
    return mail


def plain_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "personalizations": [{"to": [{"email": "ann@example.com"}]}],
        "from": {"email": "bookings@builders.test"},
        "subject": "Hello",
        "content": [{"type": "text/plain", "value": "Hi"}, {"type": "text/html", "value": "<p>Hi</p>"}],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def verify_event_webhook(public_key: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiving app does, with the sendgrid library's own verifier."""
    lowered = {key.lower(): value for key, value in headers.items()}
    signature = lowered[EventWebhookHeader.SIGNATURE.lower()]
    timestamp = lowered[EventWebhookHeader.TIMESTAMP.lower()]
    base64.b64decode(signature, validate=True)
    return EventWebhook(public_key).verify_signature(body.decode("utf-8"), signature, timestamp)


@dataclass
class SendGridDriver:
    url: str
    http: httpx.Client
    simulator: Any

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, f"/_sim/sendgrid{path}", **kwargs)

    def client(self, api_key: str = API_KEY) -> SendGridAPIClient:
        return SendGridAPIClient(api_key, host=f"{self.url}/sendgrid")

    def post_send(self, body: Any, *, api_key: str | None = API_KEY, raw: bytes | None = None) -> httpx.Response:
        """A raw POST /v3/mail/send, for bodies the library would never build."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key is not None else {}
        if raw is not None:
            return self.http.post(
                "/sendgrid/v3/mail/send", content=raw, headers={**headers, "Content-Type": "application/json"}
            )
        return self.http.post("/sendgrid/v3/mail/send", json=body, headers=headers)

    def configure(self, **settings: Any) -> dict[str, Any]:
        response = self.control("POST", "/config", json=settings)
        assert response.status_code == 200, response.text
        return response.json()

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        response = self.control("GET", "/messages", params=filters)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def public_key(self) -> str:
        return self.control("GET", "/event_webhook/public_key").json()["public_key"]

    def flush(self):
        return self.simulator.hub.engine.flush()

    # Helpers test modules reach through the fixture (test files cannot import this conftest).
    api_key = API_KEY
    confirmation_template = CONFIRMATION_TEMPLATE
    confirmation_data = CONFIRMATION_DATA
    template_mail = staticmethod(template_mail)
    plain_body = staticmethod(plain_body)
    verify = staticmethod(verify_event_webhook)


@pytest.fixture
def sg(simulator) -> SendGridDriver:
    with http_clients.client(base_url=simulator.url, timeout=30) as http:
        driver = SendGridDriver(simulator.url, http, simulator)
        driver.configure(api_keys=[API_KEY])
        yield driver


@pytest.fixture
def webhook_to(sg, receiver):
    """The account's Event Webhook pointed at the recording receiver."""
    sg.configure(event_webhook_url=f"{receiver.url}/sendgrid/events")
    return receiver
