"""The world the chaos state machine acts in: the app, the three simulators, and what the outside world can do.

Every action is one the outside world could take: a client books through the pages (free, pathway,
paid, two clients racing for one slot), the customer pays or is declined on Stripe, someone on
Calendly cancels, reschedules, marks a no-show, books directly or submits a routing form, a provider's
next delivery is faulted (duplicated, delayed, reordered, dropped, corrupted, stale, signed with a
key the app does not know), SendGrid fails and recovers, the operator's jobs run, the virtual clock
moves. The world never reads the database: what it knows comes from the pages, the public booking
JSON, the operator API and the simulators' journals (``invariants.py`` checks them).

Each action is also written down (``log``) so a failing sequence can be replayed and read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import stripe

from harness.calendly_driver import CalendlyDriver, iso
from harness.concurrency import all_at_once
from harness.marketplace import SessionOffer, add_calendly_builder
from harness.sendgrid_driver import SendGridDriver
from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import Visitor

BUILDER = "Chaos Builder"
BUILDER_SLUG = "chaos-builder"
PATHWAY = "first-time-founder"
SESSIONS = {  # kind -> (session type slug, name, minutes)
    "free": ("intro-call", "Intro call", 30),
    "pathway": ("pathway-call", "Pathway call", 30),
    "paid": ("paid-review", "Paid review", 30),
}
PRICE_CENTS, CURRENCY = 5000, "eur"
PASSWORD = "a long enough password"
SLOT_COUNT = 4  # few slots, so bookings collide often
CARDS = {"ok": "4242424242424242", "declined": "4000000000000002"}
HOLD_MINUTES = 30
# Delivery faults by name: the plan the provider's next event is delivered under.
FAULTS: dict[str, dict[str, Any]] = {
    "duplicated": {"duplicate": 2},
    "delayed": {"delay": 900},
    "reordered": {"reorder": True},
    "dropped": {"drop": True},
    "corrupted": {"corrupt_signature": True},
    "stale": {"stale_timestamp": 900},
    "unknown key": {"wrong_key": True},
    "concurrent": {"concurrent": 3},
}
REFUSED_FAULTS = ("corrupted", "stale", "unknown key")  # deliveries the app must refuse


@dataclass
class Booked:
    """A booking the world made or caused, as the world knows it (its id comes from the app's pages)."""

    public_id: str
    kind: str
    checkout_session: str | None = None


@dataclass
class World:
    app: Any  # harness.apps.RunningApp (or anything with url, config, admin())
    sim: Any  # harness.simulator.SimulatorHandle
    log: list[dict[str, Any]] = field(default_factory=list)
    bookings: dict[str, Booked] = field(default_factory=dict)
    slots: list[str] = field(default_factory=list)
    app_offset: timedelta = timedelta(0)  # how far the operator's jobs look ahead of the wall clock
    steps: int = 0

    def __post_init__(self) -> None:
        self.admin = self.app.admin()
        self.stripe = StripeDriver(self.sim, self.app.config.stripe_secret_key)
        self.calendly = CalendlyDriver(self.sim, self.app.config.calendly_api_token)
        self.sendgrid = SendGridDriver(self.sim)
        self.visitors: list[Visitor] = []
        self.member = self._visitor()
        self._setup_marketplace()

    # --- set-up --------------------------------------------------------------------------

    def _visitor(self) -> Visitor:
        visitor = Visitor(self.app.url)
        self.visitors.append(visitor)
        return visitor

    def _setup_marketplace(self) -> None:
        add_calendly_builder(
            self.sim,
            self.admin,
            name=BUILDER,
            slug=BUILDER_SLUG,
            timezone="UTC",
            email="builder@chaos.example.com",
            sessions=[
                SessionOffer(name, minutes, kind, *((PRICE_CENTS, CURRENCY) if kind == "paid" else ()))
                for kind, (_, name, minutes) in SESSIONS.items()
            ],
        )
        self._ok(self.admin.post("/admin/api/pathways", json={"name": "First-time founder"}))
        self.event_types = {
            kind: self.calendly.event_type(BUILDER_SLUG, name)["uri"] for kind, (_, name, _) in SESSIONS.items()
        }
        # Slots three days out: the virtual clock moves at most a day in a run, so they stay bookable.
        after = datetime.now(UTC) + timedelta(days=3)
        self.slots = self.calendly.open_slots(self.event_types["free"], after=after)[:SLOT_COUNT]
        assert len(self.slots) == SLOT_COUNT, f"the builder offers too few slots: {self.slots}"
        self.member.open("/signup")
        self.member.submit(
            self.member.form("/signup"),
            name="Member Client",
            email="member@chaos.example.com",
            password=PASSWORD,
            confirm=PASSWORD,
            timezone="UTC",
        )
        assert "Signed in as" in self.member.page.text, self.member.page.text[:300]

    def close(self) -> None:
        for visitor in self.visitors:
            visitor.close()
        for closable in (self.admin, self.stripe, self.calendly, self.sendgrid):
            closable.close()

    @staticmethod
    def _ok(response: httpx.Response) -> dict:
        assert response.status_code < 300, (
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else {}

    def note(self, action: str, **arguments: Any) -> None:
        self.steps += 1
        self.log.append({"action": action, **arguments})

    # --- clients -------------------------------------------------------------------------

    def _submit_booking(self, visitor: Visitor, kind: str, slot: str, n: int) -> httpx.Response:
        type_slug = SESSIONS[kind][0]
        visitor.open(f"/builders/{BUILDER_SLUG}/sessions/{type_slug}")
        if visitor.page.status_code != 200:
            return visitor.page
        form = visitor.form("/book")
        if kind == "pathway":
            return visitor.submit(form, slot=slot, pathway=PATHWAY)
        return visitor.submit(form, slot=slot, name=f"Client {n}", email=f"client{n}@chaos.example.com")

    def _record_outcome(self, visitor: Visitor, kind: str) -> str | None:
        """The booking the client's last page shows (a confirmation or Stripe's page), or None if refused."""
        page = visitor.page
        assert page is not None
        if page.status_code == 502 and kind == "paid" and self.app_offset > timedelta(minutes=1):
            # The providers' clock runs ahead of the app's once time has passed in the world, so Stripe calls the
            # session's expiry (30 minutes from the app's now) too soon: a provider refusal, answered as one.
            assert "payment provider" in page.text, page.text[:500]
            return None
        assert page.status_code < 500, f"the app answered {page.status_code}: {page.text[:500]}"
        if "/stripe/c/pay/" in visitor.url:
            session_id = visitor.url.rsplit("/", 1)[-1].split("?")[0]
            ref = self.stripe.api.v1.checkout.sessions.retrieve(session_id).client_reference_id
            assert ref, f"Stripe's session {session_id} names no booking"
            self.bookings[ref] = Booked(ref, kind, session_id)
            return ref
        ref = visitor.parsed.data_attrs.get("data-booking") if page.status_code == 200 else None
        if ref:
            self.bookings[ref] = Booked(ref, kind)
            return ref
        assert page.status_code in (409, 422, 503), (
            f"a refused booking must say why: {page.status_code} {page.text[:300]}"
        )
        return None

    def book(self, kind: str, slot_index: int) -> str | None:
        slot = self.slots[slot_index]
        n = len(self.bookings) + len(self.log)
        self.note("book", kind=kind, slot=slot_index)
        visitor = self.member if kind == "pathway" else self._visitor()
        self._submit_booking(visitor, kind, slot, n)
        return self._record_outcome(visitor, kind)

    def race(self, kinds: list[str], slot_index: int) -> list[str | None]:
        """Two clients submit the same slot at the same instant; at most one may hold it."""
        slot = self.slots[slot_index]
        self.note("race", kinds=list(kinds), slot=slot_index)
        racers = [self._visitor() for _ in kinds]
        forms = []
        for visitor, kind in zip(racers, kinds, strict=True):
            visitor.open(f"/builders/{BUILDER_SLUG}/sessions/{SESSIONS[kind][0]}")
            forms.append(visitor.form("/book"))
        base = len(self.bookings) + len(self.log)

        def submit(i: int) -> None:
            racers[i].submit(forms[i], slot=slot, name=f"Racer {base + i}", email=f"racer{base + i}@chaos.example.com")

        all_at_once(submit, len(kinds), timeout=60)
        return [self._record_outcome(visitor, kind) for visitor, kind in zip(racers, kinds, strict=True)]

    def pay(self, index: int, card: str) -> None:
        """The customer of the ``index``-th paid booking pays (or is declined) on Stripe's page."""
        self.note("pay", booking=index, card=card)
        paid = [b for b in self.bookings.values() if b.checkout_session]
        if not paid:
            return
        answer = self.stripe.pay(paid[index % len(paid)].checkout_session or "", CARDS[card])
        assert answer.status_code < 500, answer.text[:300]

    def stripe_dashboard_refund(self, index: int) -> None:
        """Someone refunds the ``index``-th paid booking's payment in Stripe's dashboard (not through the app)."""
        self.note("stripe_dashboard_refund", booking=index)
        paid = [b for b in self.bookings.values() if b.checkout_session]
        if not paid:
            return
        ref = paid[index % len(paid)].public_id
        intents = [
            i["id"]
            for i in self.stripe.state()["payment_intents"]
            if i["metadata"].get("bookingId") == ref and i["status"] == "succeeded"
        ]
        if intents:
            with contextlib.suppress(stripe.StripeError):  # refunded already: Stripe says so, nothing moves
                self.stripe.api.v1.refunds.create({"payment_intent": intents[0]})

    def _ref(self, index: int) -> str | None:
        """The ``index``-th booking the world made (in the order made, wrapping): replays name bookings so."""
        refs = list(self.bookings)
        return refs[index % len(refs)] if refs else None

    def booking(self, public_id: str) -> dict:
        return self._ok(self.member.http.get(f"/api/v1/bookings/{public_id}"))

    # --- Calendly ------------------------------------------------------------------------

    def _invitee(self, index: int) -> str | None:
        ref = self._ref(index)
        return self.booking(ref).get("calendly_invitee_uri") if ref else None

    def calendly_cancel(self, index: int, by: str) -> None:
        self.note("calendly_cancel", booking=index, by=by)
        invitee = self._invitee(index)
        if invitee is None:
            return
        with contextlib.suppress(AssertionError):  # already canceled on Calendly: nothing happens
            self.calendly.cancel(invitee, by=by, reason="chaos")

    def calendly_reschedule(self, index: int, slot_index: int, order: str) -> None:
        self.note("calendly_reschedule", booking=index, slot=slot_index, order=order)
        invitee = self._invitee(index)
        if invitee is None:
            return
        with contextlib.suppress(AssertionError):  # canceled already, or the slot is taken on Calendly
            self.calendly.reschedule(invitee, self.slots[slot_index], order)

    def calendly_no_show(self, index: int, mark: bool) -> None:
        self.note("calendly_no_show", booking=index, mark=mark)
        invitee = self._invitee(index)
        if invitee is None:
            return
        with contextlib.suppress(AssertionError):
            if mark:
                self.calendly.mark_no_show(invitee)
            else:
                no_show = self.calendly.invitee(invitee).get("no_show")
                if no_show:
                    self.calendly.unmark_no_show(no_show["uri"])

    def calendly_direct_booking(self, slot_index: int) -> None:
        """Someone books the builder on Calendly's own page (no booking of the app behind it)."""
        self.note("calendly_direct_booking", slot=slot_index)
        n = len(self.log)
        with contextlib.suppress(AssertionError):  # the slot is taken on Calendly
            self.calendly.book(
                self.event_types["free"], self.slots[slot_index], name=f"Walk-in {n}", email=f"walkin{n}@example.com"
            )

    def routing_form_submission(self) -> None:
        self.note("routing_form_submission")
        if not hasattr(self, "_form"):
            self._form = self.calendly.routing_form("Chaos intake", ["What do you build?"])
        self.calendly.submit_routing_form(self._form["uri"], {"What do you build?": "a marketplace"})

    # --- delivery faults, SendGrid, jobs, time --------------------------------------------

    def fault_next_delivery(self, provider: str, fault: str) -> None:
        self.note("fault_next_delivery", provider=provider, fault=fault)
        driver = self.stripe if provider == "stripe" else self.calendly
        driver.plan(FAULTS[fault], event_type=None, times=1)

    def sendgrid_fails(self, status: int) -> None:
        self.note("sendgrid_fails", status=status)
        self.sendgrid.fault(status=status, down=True)

    def sendgrid_recovers(self) -> None:
        self.note("sendgrid_recovers")
        self.sendgrid.clear_faults()

    def _as_of(self) -> str:
        return iso(datetime.now(UTC) + self.app_offset)

    def run_job(self, job: str) -> None:
        self.note("run_job", job=job)
        paths = {
            "mail send-due": "/admin/api/mail/send-due",
            "mail send-reminders": "/admin/api/mail/send-reminders",
            "payments expire-holds": "/admin/api/payments/expire-holds",
            "payments issue-refunds": "/admin/api/payments/issue-refunds",
            "webhooks process-due": "/admin/api/webhooks/process-due",
            "calendly reconcile": "/admin/api/calendly/reconcile",
        }
        body = {} if job in ("payments issue-refunds", "calendly reconcile") else {"as_of": self._as_of()}
        if job == "mail send-reminders":
            body["hours"] = 24 * 5
        answer = self.admin.post(paths[job], json=body)
        # 503: a provider the job needs is failing right now (the job is retried later), never a crash.
        assert answer.status_code in (200, 503), f"{job}: {answer.status_code} {answer.text[:300]}"

    def advance(self, minutes: int) -> None:
        """The providers' clock and the operator's jobs' idea of now move ``minutes`` ahead."""
        self.note("advance", minutes=minutes)
        self.app_offset += timedelta(minutes=minutes)
        self.stripe.advance(minutes * 60)
        self.stripe.expire_due_sessions()

    def settle_deliveries(self) -> None:
        """Until nothing is due now at either provider (failed ones wait for their retry time)."""

        def settled() -> bool:
            answer = self._ok(self.stripe.control.get("/pending"))
            now = answer["virtual_now"]
            return not [d for d in answer["deliveries"] if d["status"] == "pending" and d["next_attempt_at"] <= now]

        wait_until(settled, timeout=60, what="the providers' due deliveries to be answered")

    def quiesce(self) -> None:
        """Everything that will eventually happen, happens: faults end, held and delayed deliveries go out,
        every retry runs to its end, the operator's jobs run and Calendly is reconciled."""
        self.note("quiesce")
        self.sendgrid.clear_faults()
        self._ok(self.stripe.control.delete("/plans"))
        for _ in range(4):
            self._ok(self.stripe.control.post("/deliveries/flush"))
            for _ in range(8):  # the providers' retry schedules end within days
                if not self._ok(self.stripe.control.get("/pending"))["deliveries"]:
                    break
                self.stripe.advance(12 * 3600)
                self._ok(self.stripe.control.post("/deliveries/flush"))
            self.settle_deliveries()
            self.app_offset += timedelta(days=2)
            for job in (
                "webhooks process-due",
                "payments expire-holds",
                "payments issue-refunds",
                "calendly reconcile",
                "mail send-due",
            ):
                answer = self.admin.post(
                    f"/admin/api/{job.replace(' ', '/')}",
                    json={} if job in ("payments issue-refunds", "calendly reconcile") else {"as_of": self._as_of()},
                )
                assert answer.status_code == 200, f"{job} once quiet: {answer.status_code} {answer.text[:300]}"
            if not self._ok(self.stripe.control.get("/pending"))["deliveries"]:
                return
        raise AssertionError(f"deliveries still pending once quiet: {self.stripe.control.get('/pending').json()}")

    # --- replaying a written-down sequence -----------------------------------------------------

    def replay(self, log: list[dict[str, Any]]) -> None:
        """Take the actions of a written-down run again, in order (``quiesce`` included)."""
        for entry in log:
            action = dict(entry)
            name = action.pop("action")
            if name == "book":
                self.book(action["kind"], action["slot"])
            elif name == "race":
                self.race(action["kinds"], action["slot"])
            elif name == "calendly_reschedule":
                self.calendly_reschedule(action["booking"], action["slot"], action["order"])
            elif name == "calendly_direct_booking":
                self.calendly_direct_booking(action["slot"])
            else:
                getattr(self, name)(**action)


def gherkin(log: list[dict[str, Any]], title: str) -> str:
    """The run as a scenario a person can read (and a step writer can bind)."""
    lines = [f"Scenario: {title}", f'  Given a builder "{BUILDER}" offering a free, a pathway and a paid session']
    for n, entry in enumerate(log):
        keyword = "When" if n == 0 else "And"
        arguments = ", ".join(f"{key}={value!r}" for key, value in entry.items() if key != "action")
        lines.append(f"  {keyword} {entry['action'].replace('_', ' ')}{' (' + arguments + ')' if arguments else ''}")
    lines.append("  Then no slot is held twice, money moves once, each mail goes once and nothing is lost")
    return "\n".join(lines) + "\n"
