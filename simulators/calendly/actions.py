"""What people do on Calendly, as state changes that announce themselves.

Booking, canceling (by host or invitee), rescheduling, no-shows and routing
form submissions each change the state under one lock, snapshot the webhook
payloads at that moment, and only then hand them to the dispatcher (outside
the lock, so a delivery thread can never wait on a request thread).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.calendly import events, resources
from simulators.calendly.availability import slot_at
from simulators.calendly.state import (
    CalendlyState,
    Cancellation,
    EventType,
    Invitee,
    NoShow,
    RoutingForm,
    RoutingFormSubmission,
    ScheduledEvent,
)
from simulators.calendly.times import iso
from simulators.calendly.webhooks import Dispatcher, Emission


class ActionError(Exception):
    """A refused action, carried to the client in Calendly's error shape."""

    def __init__(self, status: int, title: str, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.details = status, title, message, details


def invalid(parameter: str, message: str) -> ActionError:
    return ActionError(
        400, "Invalid Argument", "The supplied parameters are invalid.", [{"parameter": parameter, "message": message}]
    )


@dataclass
class Booker:
    """Who books: the invitee fields of ``POST /invitees`` and the hosted form."""

    email: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    text_reminder_number: str | None = None
    tracking: dict[str, str | None] = field(default_factory=resources.empty_tracking)
    questions_and_answers: list[dict[str, Any]] = field(default_factory=list)
    guests: list[str] = field(default_factory=list)
    location: dict[str, Any] | None = None


class Actions:
    def __init__(self, state: CalendlyState, dispatcher: Dispatcher) -> None:
        self.state = state
        self.dispatcher = dispatcher

    # --- helpers (caller holds the lock) -------------------------------
    def _announce(self, event: str, invitee: Invitee, rest_no_show: dict[str, Any] | None = None) -> Emission:
        payload = events.invitee_payload(self.state, invitee)
        host = self.state.events[invitee.event_uuid].user_uuid
        return Emission(event, payload, self.state.now(), host, rest_no_show)

    def _event_location(self, event_type: EventType, requested: dict[str, Any] | None) -> dict[str, Any]:
        wanted = requested or event_type.location
        kind = wanted.get("kind") or wanted.get("type") or "custom"
        if kind == "google_conference":
            rng = self.state.hub.rng("calendly:join-url")
            code = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(10))
            return {
                "type": kind,
                "status": "pushed",
                "join_url": f"https://meet.google.com/{code[:3]}-{code[3:7]}-{code[7:]}",
            }
        return {"type": kind, "location": wanted.get("location")}

    def _book_locked(self, event_type: EventType, start: float, booker: Booker) -> Invitee:
        slot = slot_at(self.state, event_type, start)
        if slot is None:
            raise invalid("start_time", "The selected time is not available.")
        now = self.state.now()
        event = slot.group_event
        if event is None:
            event = ScheduledEvent(
                uuid=self.state.new_uuid("scheduled_event"),
                event_type_uuid=event_type.uuid,
                user_uuid=event_type.user_uuid,
                name=event_type.name,
                start=start,
                end=start + event_type.duration * 60,
                location=self._event_location(event_type, booker.location),
                status="active",
                created_at=now,
                updated_at=now,
            )
            self.state.events[event.uuid] = event
        invitee = Invitee(
            uuid=self.state.new_uuid("invitee"),
            event_uuid=event.uuid,
            email=booker.email,
            name=booker.name,
            first_name=booker.first_name,
            last_name=booker.last_name,
            timezone=booker.timezone,
            status="active",
            created_at=now,
            updated_at=now,
            tracking=dict(booker.tracking),
            text_reminder_number=booker.text_reminder_number,
            questions_and_answers=[dict(qa) for qa in booker.questions_and_answers],
        )
        self.state.invitees[invitee.uuid] = invitee
        event.invitee_uuids.append(invitee.uuid)
        event.event_guests.extend({"email": g, "created_at": iso(now), "updated_at": iso(now)} for g in booker.guests)
        event.updated_at = now
        return invitee

    def _cancel_invitee_locked(self, invitee: Invitee, cancellation: Cancellation) -> None:
        invitee.status = "canceled"
        invitee.cancellation = cancellation
        invitee.updated_at = cancellation.created_at
        event = self.state.events[invitee.event_uuid]
        if all(i.status == "canceled" for i in self.state.invitees_of(event)):
            event.status = "canceled"
            event.cancellation = cancellation
        event.updated_at = cancellation.created_at

    def _active_invitee(self, invitee: Invitee) -> None:
        if invitee.status != "active":
            raise ActionError(403, "Permission Denied", "Invitee is already canceled")
        if self.state.events[invitee.event_uuid].start <= self.state.now():
            raise ActionError(403, "Permission Denied", "Event in the past")

    # --- actions -------------------------------------------------------
    def book(self, event_type: EventType, start: float, booker: Booker) -> Invitee:
        with self.state.lock:
            invitee = self._book_locked(event_type, start, booker)
            emissions = [self._announce("invitee.created", invitee)]
        self.dispatcher.send(emissions)
        return invitee

    def cancel_event(self, event: ScheduledEvent, reason: str | None) -> Cancellation:
        """The host cancels the whole event (``POST /scheduled_events/{uuid}/cancellation``)."""
        with self.state.lock:
            if event.status == "canceled":
                raise ActionError(403, "Permission Denied", "Event is already canceled")
            if event.start <= self.state.now():
                raise ActionError(403, "Permission Denied", "Event in the past")
            cancellation = Cancellation(self.state.host_of(event).name, reason, "host", self.state.now())
            canceled = [i for i in self.state.invitees_of(event) if i.status == "active"]
            for invitee in canceled:
                self._cancel_invitee_locked(invitee, cancellation)
            event.status, event.cancellation = "canceled", cancellation
            emissions = [self._announce("invitee.canceled", i) for i in canceled]
        self.dispatcher.send(emissions)
        return cancellation

    def cancel_invitee(self, invitee: Invitee, by: str, reason: str | None) -> Invitee:
        """One invitee's booking is canceled, by the invitee (cancel page) or the host."""
        with self.state.lock:
            self._active_invitee(invitee)
            host = self.state.host_of(self.state.events[invitee.event_uuid])
            canceled_by = host.name if by == "host" else invitee.name
            self._cancel_invitee_locked(invitee, Cancellation(canceled_by, reason, by, self.state.now()))
            emissions = [self._announce("invitee.canceled", invitee)]
        self.dispatcher.send(emissions)
        return invitee

    def reschedule(
        self, invitee: Invitee, start: float, *, order: str | None = None, reason: str | None = None
    ) -> Invitee:
        """Cancel-with-``rescheduled`` plus a new invitee on a new event, announced in ``order``."""
        if order not in (None, "canceled_first", "created_first"):
            raise invalid("order", "must be canceled_first or created_first")
        with self.state.lock:
            self._active_invitee(invitee)
            old_event = self.state.events[invitee.event_uuid]
            before = (old_event.status, old_event.cancellation, old_event.updated_at, invitee.updated_at)
            self._cancel_invitee_locked(invitee, Cancellation(invitee.name, reason, "invitee", self.state.now()))
            event_type = self.state.event_types[old_event.event_type_uuid]
            booker = Booker(
                invitee.email,
                invitee.name,
                invitee.first_name,
                invitee.last_name,
                invitee.timezone,
                invitee.text_reminder_number,
                dict(invitee.tracking),
                invitee.questions_and_answers,
            )
            try:
                new = self._book_locked(event_type, start, booker)
            except ActionError:
                invitee.status, invitee.cancellation = "active", None
                old_event.status, old_event.cancellation, old_event.updated_at, invitee.updated_at = before
                raise
            new.old_invitee = invitee.uri
            invitee.rescheduled, invitee.new_invitee = True, new.uri
            canceled = self._announce("invitee.canceled", invitee)
            created = self._announce("invitee.created", new)
            if order is None:
                order = self.state.hub.rng("calendly:reschedule-order").choice(["canceled_first", "created_first"])
        self.dispatcher.send([canceled, created] if order == "canceled_first" else [created, canceled])
        return new

    def mark_no_show(self, invitee: Invitee) -> NoShow:
        with self.state.lock:
            if invitee.no_show_uuid is not None:
                raise invalid("invitee", "The invitee is already marked as a no show.")
            no_show = NoShow(self.state.new_uuid("no_show"), invitee.uuid, self.state.now())
            self.state.no_shows[no_show.uuid] = no_show
            invitee.no_show_uuid = no_show.uuid
            rest = resources.no_show(self.state, no_show)
            emissions = [self._announce("invitee_no_show.created", invitee, rest)]
        self.dispatcher.send(emissions)
        return no_show

    def unmark_no_show(self, no_show: NoShow) -> None:
        with self.state.lock:
            rest = resources.no_show(self.state, no_show)
            invitee = self.state.invitees[no_show.invitee_uuid]
            del self.state.no_shows[no_show.uuid]
            invitee.no_show_uuid = None
            emissions = [self._announce("invitee_no_show.deleted", invitee, rest)]
        self.dispatcher.send(emissions)

    def submit_routing_form(
        self,
        form: RoutingForm,
        answers: list[dict[str, Any]],
        tracking: dict[str, str | None],
        result: dict[str, Any],
        booking: tuple[EventType, float, Booker] | None = None,
    ) -> tuple[RoutingFormSubmission, Invitee | None]:
        """Submit a form, and book straight after it when ``booking`` (event type, start, booker) is given.

        Calendly announces a submission that leads to a booking once the booking exists, with the invitee
        as its ``submitter``: ``invitee.created`` (naming the submission) first, then
        ``routing_form_submission.created``. A submission without a booking is announced at once.
        """
        with self.state.lock:
            now = self.state.now()
            submission = RoutingFormSubmission(
                self.state.new_uuid("routing_form_submission"), form.uuid, answers, tracking, result, now, now
            )
            invitee = None
            emissions = []
            if booking is not None:  # booked first: a slot taken meanwhile refuses the whole request
                invitee = self._book_locked(*booking)
                invitee.routing_form_submission_uuid = submission.uuid
                submission.submitter_invitee_uuid = invitee.uuid
            self.state.submissions[submission.uuid] = submission
            if invitee is not None:
                emissions.append(self._announce("invitee.created", invitee))
            payload = events.submission_payload(self.state, submission)
            emissions.append(Emission("routing_form_submission.created", payload, now, None))
        self.dispatcher.send(emissions)
        return submission, invitee
