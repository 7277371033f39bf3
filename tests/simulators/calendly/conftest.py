"""Fixtures for the Calendly simulator tests: a driver that talks to a live simulator over HTTP.

``calendly`` wraps the simulator (manual delivery) with the calls every test
makes: create a host with a token, an event type, a webhook subscription; find
an open slot; flush deliveries; advance the virtual clock. It never reaches
into the simulator's objects, so the tests exercise what an app would see.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness import http_clients

ALL_EVENTS = [
    "invitee.created",
    "invitee.canceled",
    "invitee_no_show.created",
    "invitee_no_show.deleted",
    "routing_form_submission.created",
]
ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}
SIGNING_KEY = "whsk_test_calendly_key"


@dataclass
class Host:
    user: dict[str, Any]
    token: str
    api: httpx.Client


@dataclass
class CalendlyDriver:
    url: str
    http: httpx.Client
    _clients: list[httpx.Client] = field(default_factory=list)

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, f"/_sim/calendly{path}", **kwargs)

    def api(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = http_clients.client(base_url=f"{self.url}/calendly", headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def host(self, *, always_open: bool = True, **fields: Any) -> Host:
        response = self.control("POST", "/users", json={"timezone": "Europe/London", **fields})
        assert response.status_code == 201, response.text
        body = response.json()
        if always_open:
            put = self.control(
                "PUT", "/availability", json={"user": body["resource"]["uri"], "weekly_hours": ALWAYS_OPEN}
            )
            assert put.status_code == 200, put.text
        return Host(body["resource"], body["token"], self.api(body["token"]))

    def event_type(self, host: Host, **fields: Any) -> dict[str, Any]:
        response = self.control("POST", "/event_types", json={"user": host.user["uri"], "name": "Intro call", **fields})
        assert response.status_code == 201, response.text
        return response.json()["resource"]

    def subscribe(
        self,
        host: Host,
        url: str,
        *,
        events: list[str] | None = None,
        scope: str = "organization",
        signing_key: str | None = SIGNING_KEY,
        user: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "url": url,
            "events": events or ALL_EVENTS,
            "organization": host.user["current_organization"],
            "scope": scope,
        }
        if scope == "user":
            body["user"] = user or host.user["uri"]
        if signing_key is not None:
            body["signing_key"] = signing_key
        response = host.api.post("/webhook_subscriptions", json=body)
        assert response.status_code == 201, response.text
        return response.json()["resource"]

    def open_slots(
        self, host: Host, event_type: dict[str, Any], *, from_minutes: int = 60, days: float = 6.9
    ) -> list[dict[str, Any]]:
        clock = self.http.get("/_sim/clock").json()["virtual_now"]
        params = {
            "event_type": event_type["uri"],
            "start_time": _iso(clock + from_minutes * 60),
            "end_time": _iso(clock + days * 86400),
        }
        response = host.api.get("/event_type_available_times", params=params)
        assert response.status_code == 200, response.text
        return response.json()["collection"]

    def book(
        self,
        host: Host,
        event_type: dict[str, Any],
        start_time: str,
        *,
        email: str = "client@example.com",
        name: str = "Casey Client",
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "event_type": event_type["uri"],
            "start_time": start_time,
            "invitee": {"name": name, "email": email, "timezone": "America/New_York"},
            **extra,
        }
        response = host.api.post("/invitees", json=body)
        assert response.status_code == 201, response.text
        return response.json()["resource"]

    def flush(self) -> list[dict[str, Any]]:
        response = self.http.post("/_sim/deliveries/flush")
        assert response.status_code == 200, response.text
        return response.json()["attempts"]

    def advance(self, seconds: float) -> list[dict[str, Any]]:
        response = self.http.post("/_sim/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text
        return response.json()["attempts"]

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.http.close()


def _iso(ts: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uuid_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def expected_signature(body: bytes, timestamp: str, key: str = SIGNING_KEY) -> str:
    """Calendly's scheme written out independently of the simulator's own signer."""
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def assert_signed(request, key: str = SIGNING_KEY) -> dict[str, Any]:
    """The request carries a valid Calendly signature over its exact raw bytes; returns the parsed body."""
    header = request.headers["Calendly-Webhook-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    assert set(parts) == {"t", "v1"}, header
    assert hmac.compare_digest(parts["v1"], expected_signature(request.body, parts["t"], key))
    return json.loads(request.body)


@pytest.fixture
def calendly(simulator):
    driver = CalendlyDriver(simulator.url, http_clients.client(base_url=simulator.url, timeout=30))
    yield driver
    driver.close()


@pytest.fixture
def helpers():
    """Plain functions the tests share (``uuid_of``, ``assert_signed``, ``expected_signature``)."""
    return SimpleNamespace(
        uuid_of=uuid_of,
        assert_signed=assert_signed,
        expected_signature=expected_signature,
        SIGNING_KEY=SIGNING_KEY,
        ALL_EVENTS=ALL_EVENTS,
        ALWAYS_OPEN=ALWAYS_OPEN,
    )
