"""What the fault tests share: a builder on Calendly, bookings made there, deliveries pushed to the end, the checks.

The app runs as its own process under gunicorn (``harness.app_process``) on a PostgreSQL database of
its own; the simulators deliver to it over HTTP. Deliveries come from people booking the builder on
Calendly directly (each ``invitee.created`` makes a booking here, its slot claims and two mails), so
an effect applied twice or half-written shows in the operator API and in SendGrid's inbox.
"""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest

from harness.app_process import AppProcess
from harness.calendly_driver import CalendlyDriver
from harness.marketplace import SessionOffer, add_calendly_builder
from harness.sendgrid_driver import SendGridDriver
from harness.waiting import wait_until

BUILDER = "fault-builder"


@pytest.fixture
def postgresql_url(request: pytest.FixtureRequest):
    """A fresh PostgreSQL database (these faults are PostgreSQL's: a server to lose, locks to wait on)."""
    databases = request.getfixturevalue("postgresql_databases")
    url = databases.create()
    yield url
    databases.drop(url)


class Marketplace:
    """One builder with one Calendly event type, and people booking it on Calendly."""

    def __init__(self, app: AppProcess, sim) -> None:
        self.app, self.sim = app, sim
        self.calendly = CalendlyDriver(sim, app.env["CALENDLY_API_TOKEN"])
        self.sendgrid = SendGridDriver(sim)
        with app.admin() as admin:
            uris = add_calendly_builder(
                sim,
                admin,
                name="Fault Builder",
                slug=BUILDER,
                timezone="UTC",
                email="b@faults.example.com",
                sessions=[SessionOffer("Call", 30)],
            )
        self.event_type = uris["Call"]
        self.slots = self.calendly.open_slots(self.event_type)
        self.invitees: list[str] = []

    def close(self) -> None:
        self.calendly.close()
        self.sendgrid.close()

    def book_on_calendly(self) -> str:
        n = len(self.invitees)
        invitee = self.calendly.book(
            self.event_type, self.slots[n], name=f"Person {n}", email=f"person{n}@faults.example.com"
        )
        self.invitees.append(invitee["uri"])
        return invitee["uri"]

    def attempts(self) -> list[dict]:
        return self.calendly.deliveries("invitee.created")["attempts"]

    def deliver_everything(self, timeout: float = 90) -> None:
        """Move the providers' clock through their retry schedule until no delivery is left unfinished."""

        def done() -> bool:
            waiting = self.calendly.pending()
            if not waiting:
                return True
            if not [d for d in waiting if d["status"] == "pending"]:
                self.calendly.advance(3600)  # only failed ones wait: their next retry falls due
            return False

        wait_until(done, timeout=timeout, what="every delivery to be delivered", seen=self.calendly.pending)

    def admin_get(self, path: str, **params) -> dict:
        with self.app.admin() as admin:
            answer = admin.get(path, params=params or None)
            assert answer.status_code == 200, answer.text
            return answer.json()

    def assert_each_booked_once_with_its_mails(self) -> None:
        """Every invitee booked exactly once, whole (claims, processed event), and each mail sent once."""
        bookings = self.admin_get("/admin/api/bookings")["bookings"]
        per_invitee = Counter(b["calendly_invitee_uri"] for b in bookings)
        assert per_invitee == Counter(self.invitees), f"bookings per invitee: {per_invitee}"
        assert all(b["status"] == "confirmed" for b in bookings), [b["status"] for b in bookings]
        stats = self.admin_get("/admin/api/stats")
        assert stats["slot_claims"] == 2 * len(self.invitees), stats  # two 15-minute blocks per 30-minute call
        events = self.admin_get("/admin/api/webhooks", provider="calendly", event_type="invitee.created")["events"]
        assert len(events) == len(self.invitees) and all(e["status"] == "processed" for e in events), events
        unfinished = [
            e for e in self.admin_get("/admin/api/webhooks")["events"] if e["status"] in ("received", "retry")
        ]
        assert not unfinished, f"the inbox is not drained: {unfinished}"
        mail = self.admin_get("/admin/api/mail")["messages"]
        assert all(m["status"] == "sent" for m in mail), mail
        sent = Counter(
            ((m.get("custom_args") or {}).get("booking"), m["to"], (m.get("custom_args") or {}).get("mail_kind"))
            for m in self.sendgrid.messages()
        )
        assert len(sent) == 2 * len(self.invitees), sent  # a confirmation to the client and one to the builder
        assert set(sent.values()) == {1}, f"mail sent more than once: {sent}"


def waiting_on_locks(database_url: str) -> int:
    """How many of the database's sessions wait on a lock (the fault's own instrument, not a check of state)."""
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (name,)
        ).fetchone()
        return int(row[0]) if row else 0
