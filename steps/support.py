"""What several step families share: names and paths, the booking JSON, the checkout, mail reading, waits.

Step modules import these helpers from here and never from one another, so a step family can be
read, moved or dropped on its own, and no two same-named helpers can shadow each other. Nothing
here defines a step or a fixture.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from harness.browser import scrolls_sideways, serious_violations
from harness.sendgrid_driver import SendGridDriver
from harness.stripe_driver import StripeDriver
from harness.waiting import wait_until
from harness.web import SlotOption, Visitor

# --- names, paths and pages ----------------------------------------------------------------------


@dataclass
class World:
    """The names a scenario gives what it creates, and looks it up by.

    In-process every scenario has an empty database and freshly reset simulators, so the names
    are the feature's own. On a shared deployment (``harness run --target``) every scenario gets a
    suffix: builders (and so their slugs, Calendly hosts and event types) and e-mail addresses
    become the scenario's own, and checks look only at those. ``text`` rewrites a sentence the
    feature expects to read (a mail's "with Ada Stone") the same way.
    """

    suffix: str = ""
    journal_since: int | None = None  # the simulators' last delivery before the scenario began (shared only)
    _written: dict[str, str] = field(default_factory=dict)

    @property
    def shared(self) -> bool:
        return bool(self.suffix)

    def builder(self, name: str) -> str:
        return self._remember(name, f"{name} {self.suffix}")

    def email(self, address: str) -> str:
        local, _, domain = address.partition("@")
        return self._remember(address, f"{local}+{self.suffix}@{domain}")

    def emails(self) -> list[str]:
        """Every address this scenario used so far, as the app knows them."""
        return [unique for written, unique in self._written.items() if "@" in written]

    def builders(self) -> list[str]:
        return [unique for written, unique in self._written.items() if "@" not in written]

    def text(self, text: str) -> str:
        if not self._written:
            return text
        pattern = "|".join(re.escape(w) for w in sorted(self._written, key=len, reverse=True))
        return re.sub(pattern, lambda match: self._written[match.group(0)], text)

    def _remember(self, written: str, unique: str) -> str:
        self._written[written] = unique if self.suffix else written
        return self._written[written]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def session_path(builder: str, session: str) -> str:
    return f"/builders/{slug(builder)}/sessions/{slug(session)}"


def person_name(email: str) -> str:
    """grace@example.com -> Grace Example (the name every step books under)."""
    local, _, domain = email.partition("@")
    return f"{local.capitalize()} {domain.split('.')[0].capitalize()}"


def page_text(response) -> str:
    return html.unescape(response.text)


# --- the booking, through the public JSON API and the operator API --------------------------------


def booking_json(visitor: Visitor, booking_id: str) -> dict:
    response = visitor.http.get(f"/api/v1/bookings/{booking_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_booking(visitor: Visitor, booking_id: str, check, what: str, timeout: float = 20.0) -> dict:
    def current():
        booking = booking_json(visitor, booking_id)
        return booking if check(booking) else None

    try:
        return wait_until(current, timeout=timeout, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the booking is now {booking_json(visitor, booking_id)}") from None


def app_booking(admin, email: str) -> dict | None:
    """The one booking of ``email`` the operator API lists (None: none yet)."""
    bookings = admin.get("/admin/api/bookings", params={"email": email}).json()["bookings"]
    assert len(bookings) <= 1, bookings
    return bookings[0] if bookings else None


def people_bookings(admin, world: World) -> list[dict]:
    """Every booking of the scenario's people (on a shared deployment), or every booking (in-process)."""
    if not world.shared:
        return admin.get("/admin/api/bookings").json()["bookings"]
    return [b for e in world.emails() for b in admin.get("/admin/api/bookings", params={"email": e}).json()["bookings"]]


def wait_for_client_booking(admin, email: str, check=lambda booking: True, what: str = "the booking") -> dict:
    return wait_until(
        lambda: (b := app_booking(admin, email)) is not None and check(b) and b, what=f"{what} of {email}"
    )


def slots_offered(visitors, booking: dict) -> list[str]:
    other = visitors()
    other.open(f"/builders/{booking['builder']}/sessions/{booking['session_type']}", tz="UTC")
    return [slot.value for slot in other.parsed.slots]


# --- paying on Stripe's hosted page ---------------------------------------------------------------

PAGE_PATH = "/stripe/c/pay/"


def on_checkout_page(visitor: Visitor, stripe_sim: StripeDriver, total: str) -> dict:
    assert PAGE_PATH in visitor.url, (
        f"not on Stripe's page: {visitor.url} ({visitor.page.status_code}): {page_text(visitor.page)[:600]}"
    )
    assert visitor.page.status_code == 200, visitor.page.text[:500]
    assert visitor.parsed.h1 == f"Pay {total}", visitor.parsed.h1
    session_id = urlsplit(visitor.url).path.rsplit("/", 1)[-1]
    session = stripe_sim.api.v1.checkout.sessions.retrieve(session_id)
    return {"session_id": session_id, "booking_id": session.client_reference_id, "url": visitor.url}


def later_slot(visitor: Visitor) -> SlotOption:
    """A slot at least a day away (the week's first one may be within the hour a scenario's clock moves)."""
    soon = datetime.now(UTC) + timedelta(days=1)
    later = [s for s in visitor.parsed.slots if datetime.fromisoformat(s.value.replace("Z", "+00:00")) >= soon]
    if not later:
        visitor.follow_link("Later week")
        later = visitor.parsed.slots
    assert later, f"no slots a day away on {visitor.url}"
    return later[0]


def hold_booking(visitor: Visitor, stripe_sim: StripeDriver, client: str, email: str, session: str, builder: str):
    """Books a paid session as ``client`` and lands on Stripe's page: the booking is held for payment."""
    visitor.open(session_path(builder, session))
    slot = later_slot(visitor)
    visitor.submit(visitor.form("/book"), slot=slot.value, name=client, email=email)
    assert PAGE_PATH in visitor.url, page_text(visitor.page)[:600]
    checkout = on_checkout_page(visitor, stripe_sim, visitor.parsed.h1.removeprefix("Pay "))
    return {**checkout, "slot": slot.value, "builder": builder, "session": session}


def pay_with_card(visitor: Visitor, card: str) -> None:
    assert PAGE_PATH in visitor.url, f"not on Stripe's page: {visitor.url}"
    visitor.submit(
        visitor.form(""),
        card_number=card,
        card_expiry="12 / 34",
        card_cvc="1234" if card.startswith(("34", "37")) else "123",
        name="Grace Hopper",
    )


# --- mail, read back from the SendGrid simulator's inbox ------------------------------------------

KIND_TEMPLATES = {
    "confirmation": "sendgrid_booking_template_id",
    "cancellation": "sendgrid_cancellation_template_id",
    "moved": "sendgrid_moved_template_id",
    "receipt": "sendgrid_receipt_template_id",
    "refund": "sendgrid_receipt_template_id",
    "reminder": "sendgrid_reminder_template_id",
}
KINDS = "|".join(KIND_TEMPLATES)
COUNTS = {"no": 0, "one": 1, "two": 2}
_TAGS = re.compile(r"<[^>]+>")


def kind_of(app_server, mail: dict) -> str | None:
    """A mail's kind is the template it was sent with (the ids the app was provisioned with)."""
    for kind, attr in KIND_TEMPLATES.items():
        if mail["template_id"] == getattr(app_server.config, attr):
            if kind in ("receipt", "refund"):
                return "refund" if mail["subject"].startswith("Refund") else "receipt"
            return kind
    return None


def mails_of_kind(sendgrid_sim: SendGridDriver, app_server, email: str, kind: str) -> list[dict]:
    return [m for m in sendgrid_sim.messages(to=email) if kind_of(app_server, m) == kind]


def html_text(mail: dict) -> str:
    """The HTML part as a reader sees it: tags gone, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", mail["html"])).split())


def plain(mail: dict) -> str:
    return " ".join(mail["text"].split())


def says(mail: dict, sentence: str) -> bool:
    wanted = " ".join(sentence.split())
    return wanted in plain(mail) and wanted in html_text(mail)


def reference(mail: dict) -> str:
    found = re.search(r"[Rr]eference: (\S+)", mail["text"])
    assert found, f"the mail names no booking reference:\n{mail['text']}"
    return found.group(1)


def shown(moment: datetime, zone: str) -> str:
    """A time as a mail (and the booking pages) write it: '<weekday> <day> <month> <year>, HH:MM Zone (ABBR)'."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.strftime('%A %d %B %Y, %H:%M')} {zone} ({local.tzname()})"


def outbox(admin, **filters) -> list[dict]:
    response = admin.get("/admin/api/mail", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def settle(simulators, timeout: float = 20.0) -> None:
    """Until every webhook delivery due on the simulators has been answered (the app acts before it answers)."""
    control = simulators.control()

    def settled() -> bool:
        answer = control.get("/pending").json()  # its clock reading follows the snapshot: nothing due is missed
        return not [
            d
            for d in answer["deliveries"]
            if d["status"] == "pending" and d["next_attempt_at"] <= answer["virtual_now"]
        ]

    try:
        wait_until(settled, timeout=timeout, what="the simulators' due webhook deliveries to be answered")
    finally:
        control.close()


# --- a browser tab -------------------------------------------------------------------------------


class BrowserSession:
    """One client's tab, plus what the checks collected on every page it visited."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.violations: list[str] = []
        self.sideways: list[str] = []
        self.csp_violations: list[str] = []
        self.booking_id: str | None = None
        self.local_label: str | None = None

    def audit(self) -> None:
        self.violations.extend(serious_violations(self.page))
        if scrolls_sideways(self.page):
            self.sideways.append(self.page.url)
