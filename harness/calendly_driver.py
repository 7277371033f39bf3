"""Playing Calendly's side in scenarios: its people, its faults and its deliveries, over HTTP only.

What happens on Calendly (someone books on the hosted page, cancels,
reschedules, a host marks a no-show) goes through the simulator's control
routes and API, exactly as the outside world would cause it; faults are
delivery plans; and every wait is on a condition with a deadline (the
simulator delivers by itself, so steps wait until it has).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from harness import http_clients
from harness.answers import object_field, objects_field
from harness.journal import attempt_lines
from harness.simulator import SimulatorHandle
from harness.waiting import wait_until


def uuid_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CalendlyDriver:
    def __init__(self, sim: SimulatorHandle, token: str) -> None:
        # On simulators shared with earlier scenarios (a deployed target's, one scenario at a time): the
        # journal's deliveries up to this sequence number are theirs. None: the whole journal is this one's.
        self.since: int | None = None
        self.control = http_clients.client(base_url=f"{sim.url}/_sim", timeout=30)
        self.api = http_clients.client(
            base_url=f"{sim.url}/calendly", timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        self.control.close()
        self.api.close()

    @staticmethod
    def _ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, (
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else {}

    # --- what people do on Calendly ----------------------------------------------------

    def virtual_now(self) -> datetime:
        return datetime.fromtimestamp(self._ok(self.control.get("/clock"))["virtual_now"], tz=UTC)

    def event_type(self, host_slug: str, name: str) -> dict[str, Any]:
        types = self._ok(self.api.get("/event_types", params={"user": host_slug, "count": 100}))["collection"]
        return next(t for t in types if t["name"] == name)

    def open_slots(self, event_type_uri: str, *, after: datetime | None = None) -> list[str]:
        start = max(self.virtual_now(), datetime.now(UTC)) + timedelta(hours=2)
        start = max(start, after or start)
        answer = self._ok(
            self.api.get(
                "/event_type_available_times",
                params={
                    "event_type": event_type_uri,
                    "start_time": iso(start),
                    "end_time": iso(start + timedelta(days=7)),
                },
            )
        )
        return [slot["start_time"] for slot in answer["collection"]]

    def book(
        self,
        event_type_uri: str,
        start_time: str,
        *,
        name: str,
        email: str,
        timezone_name: str = "UTC",
        tracking: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = {
            "event_type": event_type_uri,
            "start_time": start_time,
            "invitee": {"name": name, "email": email, "timezone": timezone_name},
        }
        if tracking:
            body["tracking"] = tracking
        return object_field(self._ok(self.control.post("/calendly/bookings", json=body)), "resource")

    def cancel(self, invitee_uri: str, *, by: str, reason: str) -> dict[str, Any]:
        return object_field(
            self._ok(
                self.control.post(
                    f"/calendly/invitees/{uuid_of(invitee_uri)}/cancel", json={"by": by, "reason": reason}
                )
            ),
            "resource",
        )

    def cancel_event_as_host(self, event_uri: str, reason: str) -> dict[str, Any]:
        return object_field(
            self._ok(self.api.post(f"/scheduled_events/{uuid_of(event_uri)}/cancellation", json={"reason": reason})),
            "resource",
        )

    def reschedule(self, invitee_uri: str, start_time: str, order: str) -> dict[str, Any]:
        return object_field(
            self._ok(
                self.control.post(
                    f"/calendly/invitees/{uuid_of(invitee_uri)}/reschedule",
                    json={"start_time": start_time, "order": order},
                )
            ),
            "resource",
        )

    def mark_no_show(self, invitee_uri: str) -> dict[str, Any]:
        return object_field(self._ok(self.api.post("/invitee_no_shows", json={"invitee": invitee_uri})), "resource")

    def unmark_no_show(self, no_show_uri: str) -> None:
        self._ok(self.api.delete(f"/invitee_no_shows/{uuid_of(no_show_uri)}"))

    def routing_form(self, name: str, questions: list[str]) -> dict[str, Any]:
        return object_field(
            self._ok(
                self.control.post(
                    "/calendly/routing_forms", json={"name": name, "questions": [{"name": q} for q in questions]}
                )
            ),
            "resource",
        )

    def submit_routing_form(
        self, form_uri: str, answers: dict[str, Any], booking: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"answers": answers}
        if booking:
            body["booking"] = booking
        return self._ok(self.control.post(f"/calendly/routing_forms/{uuid_of(form_uri)}/submissions", json=body))

    def invitee(self, invitee_uri: str) -> dict[str, Any]:
        return object_field(
            self._ok(
                self.api.get(
                    f"/scheduled_events/{uuid_of(invitee_uri.split('/invitees/', maxsplit=1)[0])}"
                    f"/invitees/{uuid_of(invitee_uri)}"
                )
            ),
            "resource",
        )

    # --- faults and deliveries ---------------------------------------------------------

    def plan(self, plan: dict[str, Any], event_type: str | None = None, times: int | None = 1) -> None:
        self._ok(
            self.control.post(
                "/plans", json={"provider": "calendly", "plan": plan, "event_type": event_type, "times": times}
            )
        )

    def deliveries(self, event_type: str | None = None) -> dict[str, Any]:
        """The journal's deliveries and their attempts (only those after ``since``, when it is set)."""
        params: dict[str, str | int] = {"provider": "calendly", "after": self.since or 0}
        if event_type:
            params["event_type"] = event_type
        return self._ok(self.control.get("/deliveries", params=params))

    def pending(self) -> list[dict[str, Any]]:
        return objects_field(self._ok(self.control.get("/pending", params={"provider": "calendly"})), "deliveries")

    def advance(self, seconds: float) -> list[dict[str, Any]]:
        return objects_field(self._ok(self.control.post("/clock/advance", json={"seconds": seconds})), "attempts")

    def settle(self, timeout: float = 20.0) -> None:
        """Until every delivery that is due has been answered (held, delayed, failed-awaiting-retry may remain).

        The app processes an event before it answers, so once an attempt is recorded its effect is visible.
        """

        def settled() -> bool:
            answer = self._ok(self.control.get("/pending", params={"provider": "calendly"}))
            now = answer["virtual_now"]  # read after the snapshot, so a just-released delivery counts as due
            return not [d for d in answer["deliveries"] if d["status"] == "pending" and d["next_attempt_at"] <= now]

        wait_until(
            settled,
            timeout=timeout,
            what="Calendly's due deliveries to be answered",
            seen=lambda: self.control.get("/pending", params={"provider": "calendly"}).json(),
        )

    def wait_attempts(self, event_type: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Until at least ``count`` attempts of ``event_type`` were made and none is in flight."""

        def answered() -> list[dict[str, Any]] | None:
            rows = self.deliveries(event_type)["attempts"]
            return rows if len(rows) >= count else None

        return wait_until(
            answered,
            timeout=timeout,
            what=f"{count} attempt(s) of {event_type}",
            seen=lambda: attempt_lines(self.control.get("/deliveries", params={"provider": "calendly"}).json()),
        )
