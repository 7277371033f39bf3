"""Routing form submissions: stored as Calendly sends them, linked to a client when one can be found.

A submission fires whether or not the person goes on to book, and its webhook
and the booking's ``invitee.created`` arrive in either order. So the link is
made from both sides: storing a submission looks for the submitter's booking
(or a client whose email was one of the answers), and applying an
``invitee.created`` fills in the client of submissions made by that invitee.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app_under_test.calendly.payload import InviteeChange, Submission
from app_under_test.models import Booking, Client, RoutingFormSubmission

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _client_for(session: Session, submission: Submission) -> int | None:
    if submission.submitter:
        booking = session.scalar(select(Booking).where(Booking.calendly_invitee_uri == submission.submitter))
        if booking is not None:
            return booking.client_id
    for answer in submission.answers:
        value = answer.get("answer")
        if isinstance(value, str) and EMAIL.match(value.strip()):
            client_id = session.scalar(select(Client.id).where(Client.email == value.strip().lower()))
            if client_id is not None:
                return client_id
    return None


def store_submission(session: Session, submission: Submission) -> str:
    row = session.scalar(select(RoutingFormSubmission).where(RoutingFormSubmission.uri == submission.uri))
    client_id = _client_for(session, submission)
    if row is None:
        row = RoutingFormSubmission(
            uri=submission.uri,
            client_id=client_id,
            submitter_uri=submission.submitter,
            routing_form_uri=submission.routing_form,
            result_event_type_uri=submission.result_event_type,
            answers=submission.answers,
            created_at=submission.occurred_at,
        )
        session.add(row)
        session.flush()
        return f"routing form submission {submission.uri} stored" + (" for a known client" if client_id else "")
    changed = False
    if row.client_id is None and client_id is not None:
        row.client_id, changed = client_id, True
    if row.submitter_uri is None and submission.submitter:
        row.submitter_uri, changed = submission.submitter, True
    return f"routing form submission {submission.uri} linked" if changed else ""


def link_submissions(session: Session, change: InviteeChange, client_id: int) -> None:
    """The submission this invitee came through gets its client (the invitee's create may come second).

    Only an invitee naming a submission can have one: a submission stored later finds its client
    itself, through the submitter's booking (``store_submission``).
    """
    if not change.routing_form_submission:
        return
    clauses = [
        RoutingFormSubmission.submitter_uri == change.uri,
        RoutingFormSubmission.uri == change.routing_form_submission,
    ]
    for row in session.scalars(select(RoutingFormSubmission).where(or_(*clauses))):
        if row.client_id is None:
            row.client_id = client_id
        if row.submitter_uri is None:
            row.submitter_uri = change.uri
