"""Calendly webhooks produced by the simulator itself, for verifying the app's message pact.

A provider state makes people act on the simulated account (book, cancel,
reschedule, mark a no-show, submit a routing form) with a webhook subscription
pointing at a recording receiver; the message producer then hands the
verifier the exact bytes the simulator delivered for the message asked for.
So what is verified is the simulator's real output (its payload builders,
envelope and serialisation), not a copy of it. Names must match
``contracts/consumer/calendly_webhook_cases.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from contracts.provider.calendly_sim import CalendlySim
from harness.receiver import RecordingReceiver

Pick = Callable[[dict[str, Any]], bool]


def _event(name: str, pick: Pick = lambda body: True) -> Pick:
    return lambda body: body.get("event") == name and pick(body)


MESSAGES: dict[str, Pick] = {
    "invitee.created, booked on Calendly (split names)": _event("invitee.created"),
    "invitee.created, booked on Calendly (single name field, no time zone, no optional blocks)": _event(
        "invitee.created"
    ),
    "invitee.canceled by the host": _event("invitee.canceled"),
    "invitee.canceled, first half of a reschedule": _event("invitee.canceled", lambda b: b["payload"]["rescheduled"]),
    "invitee.created, second half of a reschedule": _event("invitee.created", lambda b: b["payload"]["old_invitee"]),
    "invitee_no_show.created": _event("invitee_no_show.created"),
    "invitee_no_show.deleted": _event("invitee_no_show.deleted"),
    "routing_form_submission.created, after booking": _event("routing_form_submission.created"),
    "routing_form_submission.created, without booking": _event("routing_form_submission.created"),
}


class CalendlyWebhookSource:
    def __init__(self, sim: CalendlySim, receiver: RecordingReceiver, receiver_url: str) -> None:
        self.sim = sim
        self.receiver = receiver
        self.receiver_url = receiver_url
        self._since = 0

    def _account(self):
        host = self.sim.host(name="Ada Host")
        event_type = self.sim.event_type(host, duration=30)
        self.sim.subscribe(host, f"{self.receiver_url}/webhooks/calendly")
        return host, event_type, self.sim.open_starts(host, event_type)

    def _expect(self, count: int) -> None:
        self.receiver.wait_for(self._since + count, timeout=30)

    def _start(self) -> None:
        self._since = len(self.receiver.requests)

    def booked_directly(self, params: dict[str, Any]) -> None:
        self._start()
        _, event_type, starts = self._account()
        person = (
            {"name": "Alan Turing", "email": "alan@example.com"}
            if params.get("name_fields") == "single"
            else {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "timezone": "Europe/Paris",
            }
        )
        self.sim.book(event_type, starts[0], person)
        self._expect(1)

    def _booked(self):
        host, event_type, starts = self._account()
        invitee = self.sim.book(
            event_type,
            starts[0],
            {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "timezone": "Europe/Paris"},
        )
        return host, invitee, starts

    def canceled_by_host(self, params: dict[str, Any]) -> None:
        self._start()
        _, invitee, _ = self._booked()
        self.sim.cancel(invitee, by="host", reason=params.get("reason"))
        self._expect(2)

    def rescheduled(self, params: dict[str, Any]) -> None:
        self._start()
        _, invitee, starts = self._booked()
        self.sim.reschedule(invitee, starts[2])
        self._expect(3)

    def no_show(self, params: dict[str, Any]) -> None:
        self._start()
        host, invitee, _ = self._booked()
        self.sim.mark_no_show(host, invitee)
        self._expect(2)

    def no_show_taken_back(self, params: dict[str, Any]) -> None:
        self._start()
        host, invitee, _ = self._booked()
        self.sim.unmark_no_show(host, self.sim.mark_no_show(host, invitee))
        self._expect(3)

    def routing_form(self, params: dict[str, Any]) -> None:
        self._start()
        _, event_type, starts = self._account()
        form = self.sim.routing_form(questions=[{"name": "Goal"}])
        if params.get("booked"):
            booking = {
                "event_type": event_type["uri"],
                "start_time": starts[0],
                "invitee": {"name": "Grace Hopper", "email": "grace@example.com"},
            }
            self.sim.submit(form, {"Goal": "Pathway"}, booking=booking)
            self._expect(2)
        else:
            self.sim.submit(form, {"Goal": "Pathway"}, event_type=event_type["uri"])
            self._expect(1)

    def setups(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        return {
            "an invitee booked on Calendly directly": self.booked_directly,
            "an invitee canceled by the host": self.canceled_by_host,
            "an invitee rescheduled to a later time": self.rescheduled,
            "an invitee marked as a no-show": self.no_show,
            "an invitee's no-show mark taken back": self.no_show_taken_back,
            "a routing form submitted": self.routing_form,
        }

    def produce(self, name: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """The delivered bytes of message ``name`` from the current state's deliveries."""
        pick = MESSAGES[name]
        for request in self.receiver.requests[self._since :]:
            if pick(json.loads(request.body)):
                return {"contents": request.body, "metadata": None, "content_type": "application/json"}
        raise LookupError(f"the simulator delivered no message matching {name!r}")
