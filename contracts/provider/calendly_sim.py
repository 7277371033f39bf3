"""The Calendly simulator driven the way the provider tests need it: over its control API and API v2.

Provider states and the schema checks both set the simulated account up here:
a host with a token and open hours, an event type, a webhook subscription that
delivers to a recording receiver, and the things people do (book, cancel,
reschedule, mark a no-show, fill in a routing form). Nothing reaches into the
simulator's objects: what the tests see is what an app would see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from harness import http_clients

WEBHOOK_EVENTS = [
    "invitee.created",
    "invitee.canceled",
    "invitee_no_show.created",
    "invitee_no_show.deleted",
    "routing_form_submission.created",
]
ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}
SIGNING_KEY = "contracts-calendly-signing-key"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bare(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in (statuses or (200, 201)):
        raise AssertionError(
            f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
        )
    return response.json() if response.content else {}


@dataclass
class Host:
    user: dict[str, Any]
    token: str

    @property
    def uri(self) -> str:
        return self.user["uri"]

    @property
    def organization(self) -> str:
        return self.user["current_organization"]


class CalendlySim:
    def __init__(self, simulator_url: str) -> None:
        self.url = simulator_url.rstrip("/")
        self.http = http_clients.client(base_url=self.url, timeout=30)

    @property
    def api_base(self) -> str:
        return f"{self.url}/calendly"

    def control(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _ok(self.http.request(method, f"/_sim/calendly{path}", **kwargs))

    def api(self, host: Host, method: str, path: str, *statuses: int, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {host.token}"}
        return _ok(self.http.request(method, f"/calendly{path}", headers=headers, **kwargs), *statuses)

    def host(self, **fields: Any) -> Host:
        body = self.control("POST", "/users", json={"timezone": "Europe/London", **fields})
        self.control("PUT", "/availability", json={"user": body["resource"]["uri"], "weekly_hours": ALWAYS_OPEN})
        return Host(body["resource"], body["token"])

    def event_type(self, host: Host, **fields: Any) -> dict[str, Any]:
        return self.control("POST", "/event_types", json={"user": host.uri, "name": "Intro call", **fields})["resource"]

    def subscribe(self, host: Host, url: str, *, signing_key: str = SIGNING_KEY) -> dict[str, Any]:
        body = {
            "url": url,
            "events": WEBHOOK_EVENTS,
            "organization": host.organization,
            "scope": "organization",
            "signing_key": signing_key,
        }
        return self.api(host, "POST", "/webhook_subscriptions", 201, json=body)["resource"]

    def now(self) -> float:
        return self.http.get("/_sim/clock").json()["virtual_now"]

    def open_starts(self, host: Host, event_type: dict[str, Any], *, after_hours: float = 24) -> list[str]:
        now = self.now()
        params = {
            "event_type": event_type["uri"],
            "start_time": iso(now + after_hours * 3600),
            "end_time": iso(now + after_hours * 3600 + 6 * 86400),
        }
        times = self.api(host, "GET", "/event_type_available_times", params=params)["collection"]
        return [slot["start_time"] for slot in times]

    def book(self, event_type: dict[str, Any], start: str, invitee: dict[str, Any], **extra: Any) -> dict[str, Any]:
        body = {"event_type": event_type["uri"], "start_time": start, "invitee": invitee, **extra}
        return self.control("POST", "/bookings", json=body)["resource"]

    def cancel(self, invitee: dict[str, Any], *, by: str = "invitee", reason: str | None = None) -> dict[str, Any]:
        return self.control("POST", f"/invitees/{bare(invitee['uri'])}/cancel", json={"by": by, "reason": reason})[
            "resource"
        ]

    def reschedule(self, invitee: dict[str, Any], start: str, *, order: str = "canceled_first") -> dict[str, Any]:
        return self.control(
            "POST", f"/invitees/{bare(invitee['uri'])}/reschedule", json={"start_time": start, "order": order}
        )

    def mark_no_show(self, host: Host, invitee: dict[str, Any]) -> dict[str, Any]:
        return self.api(host, "POST", "/invitee_no_shows", 201, json={"invitee": invitee["uri"]})["resource"]

    def unmark_no_show(self, host: Host, no_show: dict[str, Any]) -> None:
        self.api(host, "DELETE", f"/invitee_no_shows/{bare(no_show['uri'])}", 204)

    def routing_form(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Which session?", "questions": [{"name": "Goal"}, {"name": "Email"}], **fields}
        return self.control("POST", "/routing_forms", json=body)["resource"]

    def submit(self, form: dict[str, Any], answers: dict[str, str], **extra: Any) -> dict[str, Any]:
        return self.control(
            "POST", f"/routing_forms/{bare(form['uri'])}/submissions", json={"answers": answers, **extra}
        )

    def invitee(self, host: Host, uri: str) -> dict[str, Any]:
        path = uri.split("api.calendly.com", 1)[1]
        return self.api(host, "GET", path)["resource"]

    def close(self) -> None:
        self.http.close()
