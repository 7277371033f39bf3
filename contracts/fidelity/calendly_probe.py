"""Drive the Calendly simulator through what an account's people do, keeping every API answer and webhook body.

Set-up goes through the simulator's control API (``CalendlySim``); every read
and write the booking service makes goes through Calendly's API over HTTP and
is recorded with the operation of Calendly's description it belongs to, as
are the refusals (a bad token, a missing event, a past or repeated
cancellation, a duplicate subscription).
"""

from __future__ import annotations

import json
from typing import Any

from contracts.fidelity.stripe_probe import Answer
from contracts.provider.calendly_sim import CalendlySim, Host, bare
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread

# 5 invitee.created (one after the reschedule), 3 invitee.canceled, a no-show created and deleted, a routing form.
WEBHOOKS = 11


class CalendlyProbe:
    def __init__(self, simulator_url: str) -> None:
        self.sim = CalendlySim(simulator_url)
        self.answers: list[Answer] = []
        self.webhooks: list[dict[str, Any]] = []

    def call(
        self,
        host: Host | None,
        method: str,
        template: str,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        **ids: str,
    ) -> Any:
        headers = {"Authorization": f"Bearer {host.token if host else 'not-a-token'}"}
        response = self.sim.http.request(
            method.upper(), f"/calendly{template.format(**ids)}", headers=headers, json=json_body, params=params
        )
        body = response.json() if response.content else None
        self.answers.append(Answer(method, template, response.status_code, body))
        return body

    def _reads(self, host: Host, event_type: dict[str, Any], invitee: dict[str, Any]) -> None:
        user, event_uuid = bare(host.uri), invitee["event"].rsplit("/", 1)[-1]
        self.call(host, "get", "/users/me")
        self.call(host, "get", "/users/{uuid}", uuid=user)
        self.call(host, "get", "/event_types", params={"user": host.uri})
        self.call(host, "get", "/event_types/{uuid}", uuid=bare(event_type["uri"]))
        self.call(host, "get", "/scheduled_events", params={"user": host.uri, "count": 2})
        self.call(host, "get", "/scheduled_events/{uuid}", uuid=event_uuid)
        self.call(host, "get", "/scheduled_events/{uuid}/invitees", uuid=event_uuid)
        self.call(
            host,
            "get",
            "/scheduled_events/{event_uuid}/invitees/{invitee_uuid}",
            event_uuid=event_uuid,
            invitee_uuid=invitee["uri"].rsplit("/", 1)[-1],
        )
        self.call(
            host, "get", "/webhook_subscriptions", params={"organization": host.organization, "scope": "organization"}
        )
        self.call(host, "get", "/routing_forms", params={"organization": host.organization})
        self.call(host, "get", "/routing_form_submissions", params={"form": self.form["uri"]})

    def _refusals(self, host: Host, canceled: dict[str, Any], hook: str) -> None:
        self.call(None, "get", "/users/me")
        self.call(host, "get", "/scheduled_events/{uuid}", uuid="00000000-0000-0000-0000-000000000000")
        self.call(
            host,
            "post",
            "/scheduled_events/{uuid}/cancellation",
            {"reason": "again"},
            uuid=canceled["event"].rsplit("/", 1)[-1],
        )
        self.call(
            host,
            "post",
            "/webhook_subscriptions",
            {"url": hook, "events": ["invitee.created"], "organization": host.organization, "scope": "organization"},
        )
        self.call(host, "get", "/event_type_available_times", params={"event_type": "nope"})

    def run(self) -> None:
        recorder = RecordingReceiver()
        server = serve_in_thread(recorder, name="fidelity-calendly-receiver")
        sim = self.sim
        try:
            host = sim.host(name="Ada Host")
            event_type = sim.event_type(host)
            hook = f"{server.url}/hook"
            subscription = sim.subscribe(host, hook)
            self.call(host, "get", "/webhook_subscriptions/{webhook_uuid}", webhook_uuid=bare(subscription["uri"]))
            starts = sim.open_starts(host, event_type)
            self.call(
                host,
                "get",
                "/event_type_available_times",
                params={"event_type": event_type["uri"], "start_time": starts[0], "end_time": starts[3]},
            )
            split = sim.book(
                event_type,
                starts[0],
                {
                    "first_name": "Grace",
                    "last_name": "Hopper",
                    "email": "grace@example.com",
                    "timezone": "Europe/Paris",
                },
                tracking={"utm_source": "booking-app", "utm_content": "bk_123"},
                questions_and_answers=[{"question": "Goal", "answer": "Learn Pact"}],
            )
            single = sim.book(event_type, starts[1], {"name": "Alan Turing", "email": "alan@example.com"})
            sim.cancel(single, by="host", reason="Host unavailable")
            by_api = sim.book(event_type, starts[2], {"name": "Mary Jackson", "email": "mary@example.com"})
            self.call(
                host,
                "post",
                "/scheduled_events/{uuid}/cancellation",
                {"reason": "Builder is ill"},
                uuid=by_api["event"].rsplit("/", 1)[-1],
            )
            sim.reschedule(split, starts[3])
            absent = sim.book(event_type, starts[5], {"name": "Kay", "email": "k@example.com"})
            no_show = self.call(host, "post", "/invitee_no_shows", {"invitee": absent["uri"]})["resource"]
            self.call(host, "get", "/invitee_no_shows/{uuid}", uuid=bare(no_show["uri"]))
            self.call(host, "delete", "/invitee_no_shows/{uuid}", uuid=bare(no_show["uri"]))
            self.form = sim.routing_form()
            sim.submit(self.form, {"Goal": "Pathway", "Email": "r@example.com"}, event_type=event_type["uri"])
            self.call(host, "get", "/routing_forms/{uuid}", uuid=bare(self.form["uri"]))
            self._reads(host, event_type, absent)
            self._refusals(host, single, hook)
            self.webhooks = [json.loads(r.body) for r in recorder.wait_for(WEBHOOKS, timeout=30)]
            self.call(host, "delete", "/webhook_subscriptions/{webhook_uuid}", webhook_uuid=bare(subscription["uri"]))
        finally:
            server.stop()
            sim.close()
