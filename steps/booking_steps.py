"""Steps for the marketplace -> profile -> session -> slot -> confirmation path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pytest_bdd import given, parsers, then, when

from harness.concurrency import all_at_once
from harness.provision import calendly
from harness.web import SlotOption, Visitor, parse
from steps.support import World, page_text, session_path, slug

PASSWORD = "a long enough password"


def booking_id(visitor: Visitor) -> str:
    ref = visitor.parsed.data_attrs.get("data-booking")
    assert ref, f"not on a confirmation page: {visitor.url} ({visitor.page.status_code})"
    return ref


# --- Given -----------------------------------------------------------------------------------


@given(parsers.parse('a builder "{name}" working in "{zone}" with skills "{skills}"'))
def builder_exists(admin, simulators, world: World, name: str, zone: str, skills: str):
    email = world.email(f"{slug(name)}@builders.example.com")
    name = world.builder(name)
    host = calendly.add_host(simulators, name=name, slug=slug(name), timezone=zone, email=email)
    response = admin.post(
        "/admin/api/builders",
        json={
            "name": name,
            "timezone": zone,
            "email": email,
            "calendly_user_uri": host["uri"],
            "headline": f"{name} builds things",
            "skills": [s.strip() for s in skills.split(",")],
        },
    )
    assert response.status_code == 201, response.text


@given(
    parsers.re(
        r'"(?P<name>[^"]+)" offers a (?P<kind>free|pathway) session "(?P<session>[^"]+)" '
        r"of (?P<minutes>\d+) minutes"
    )
)
def builder_offers_session(admin, simulators, world: World, name: str, kind: str, session: str, minutes: str):
    name = world.builder(name)
    event_type = calendly.add_event_type(simulators, host_slug=slug(name), name=session, minutes=int(minutes))
    response = admin.post(
        f"/admin/api/builders/{slug(name)}/session_types",
        json={
            "name": session,
            "kind": kind,
            "duration_minutes": int(minutes),
            "calendly_event_type_uri": event_type["uri"],
        },
    )
    assert response.status_code == 201, response.text


@given(parsers.parse('the marketplace offers the pathway "{name}"'))
def pathway_exists(admin, world: World, name: str):
    response = admin.post("/admin/api/pathways", json={"name": name})
    # A deployment's pathways are one catalogue for every scenario: an earlier one may have added it.
    added_before = world.shared and response.status_code == 422 and "already exists" in response.text
    assert response.status_code == 201 or added_before, response.text


@given(parsers.parse('a visitor whose browser is set to "{zone}"'), target_fixture="visitor")
def visitor_in_zone(visitors, zone: str) -> Visitor:
    visitor = visitors()
    visitor.http.cookies.set("tz", zone)  # what the page script stores on a first visit
    return visitor


def sign_up(visitor: Visitor, name: str, email: str, zone: str, password: str = PASSWORD) -> None:
    visitor.open("/signup")
    visitor.submit(visitor.form("/signup"), name=name, email=email, password=password, confirm=password, timezone=zone)
    assert visitor.page.status_code == 200 and "Signed in as" in visitor.page.text, visitor.page.text[:500]


@given(parsers.parse('a signed-up client "{name}" with email "{email}" in "{zone}"'), target_fixture="visitor")
def signed_up_client(visitors, world: World, name: str, email: str, zone: str) -> Visitor:
    visitor = visitors()
    sign_up(visitor, name, world.email(email), zone)
    return visitor


@given(parsers.parse('an existing account "{name}" with email "{email}" and password "{password}"'))
def existing_account(visitors, world: World, name: str, email: str, password: str):
    sign_up(visitors(), name, world.email(email), "UTC", password)


# --- When ------------------------------------------------------------------------------------


@when(parsers.parse('the visitor searches the marketplace for "{skill}"'))
def search(visitor: Visitor, skill: str):
    visitor.open("/", q=skill)
    assert visitor.page.status_code == 200


@when(parsers.parse('the visitor opens the profile of "{name}"'))
def open_profile(visitor: Visitor, world: World, name: str):
    visitor.follow_link(world.builder(name))
    assert visitor.page.status_code == 200, visitor.page.text[:300]


@when(parsers.parse('the visitor opens the profile "{builder_slug}"'))
def open_profile_by_slug(visitor: Visitor, builder_slug: str):
    visitor.open(f"/builders/{builder_slug}")


@when(parsers.parse('the visitor chooses the session "{session}"'))
def choose_session(visitor: Visitor, session: str):
    visitor.follow_link(f"Choose {session}")
    assert visitor.page.status_code == 200, visitor.page.text[:300]


@when(parsers.re(r'the (?:visitor|client) opens the session "(?P<session>[^"]+)" of "(?P<name>[^"]+)"'))
def open_session(visitor: Visitor, world: World, session: str, name: str):
    visitor.open(session_path(world.builder(name), session))


@when(parsers.re(r"the (?:visitor|client) picks the first offered slot"), target_fixture="chosen_slot")
def pick_first_slot(visitor: Visitor) -> SlotOption:
    slots = visitor.parsed.slots
    assert slots, f"no slots offered on {visitor.url}"
    return slots[0]


@when(parsers.parse('the visitor books as "{name}" with email "{email}"'))
def book_as(visitor: Visitor, world: World, chosen_slot: SlotOption, name: str, email: str):
    visitor.submit(visitor.form("/book"), slot=chosen_slot.value, name=name, email=world.email(email))


@when(parsers.parse('the client books it for the pathway "{pathway}"'))
def book_for_pathway(visitor: Visitor, chosen_slot: SlotOption, pathway: str):
    visitor.submit(visitor.form("/book"), slot=chosen_slot.value, pathway=slug(pathway))


@when("the client books it without choosing a pathway")
def book_without_pathway(visitor: Visitor, chosen_slot: SlotOption):
    visitor.submit(visitor.form("/book"), slot=chosen_slot.value, pathway="")


@when(parsers.parse('the visitor posts a booking for the session "{session}" of "{name}" without signing in'))
def post_anonymous_pathway(visitor: Visitor, world: World, session: str, name: str):
    visitor.open("/signin")
    token = visitor.form("/signin").fields["csrf_token"]
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).replace(hour=15, minute=0, second=0, microsecond=0)
    response = visitor.http.post(
        f"{session_path(world.builder(name), session)}/book",
        data={
            "csrf_token": token,
            "slot": tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": "Europe/Berlin",
            "name": "Anon",
            "email": world.email("anon@example.com"),
            "pathway": "first-time-founder",
        },
    )
    visitor.page = response


@when(parsers.parse('the visitor signs in as "{email}" with password "{password}"'))
def sign_in(visitor: Visitor, world: World, email: str, password: str):
    visitor.submit(visitor.form("/signin"), email=world.email(email), password=password)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.parse('the marketplace lists "{name}"'))
def marketplace_lists(visitor: Visitor, world: World, name: str):
    assert world.builder(name) in [text for text, _ in visitor.parsed.links]


@then("the marketplace lists nobody")
def marketplace_lists_nobody(visitor: Visitor):
    assert "No builder matches" in visitor.page.text
    assert not [href for _, href in visitor.parsed.links if href.startswith("/builders/")]


@then(parsers.parse('the confirmation page says "{heading}"'))
def confirmation_says(visitor: Visitor, heading: str):
    assert visitor.page.status_code == 200, visitor.page.text[:500]
    assert visitor.parsed.h1 == heading


@then(parsers.parse('the booking is "{status}" for "{email}" at the chosen slot'))
def booking_state(visitor: Visitor, world: World, chosen_slot: SlotOption, status: str, email: str):
    booking = visitor.http.get(f"/api/v1/bookings/{booking_id(visitor)}").json()
    assert booking["status"] == status
    assert booking["client_email"] == world.email(email)
    assert booking["start_at"] == chosen_slot.value


@then(parsers.parse('the booking is for the pathway "{pathway_slug}"'))
def booking_pathway(visitor: Visitor, pathway_slug: str):
    assert visitor.http.get(f"/api/v1/bookings/{booking_id(visitor)}").json()["pathway"] == pathway_slug


@then(parsers.parse('the booking is stored in UTC and shown in "{zone}"'))
def stored_utc_shown_local(visitor: Visitor, chosen_slot: SlotOption, zone: str):
    booking = visitor.http.get(f"/api/v1/bookings/{booking_id(visitor)}").json()
    assert booking["start_at"].endswith("Z") and booking["start_at"] == chosen_slot.value
    assert booking["client_timezone"] == zone
    local = datetime.fromisoformat(chosen_slot.value.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    shown = page_text(visitor.page)
    assert f"{local.strftime('%d %B %Y, %H:%M')} {zone} ({local.tzname()})" in shown, shown[:1500]


@then("the visitor is asked to sign in")
def asked_to_sign_in(visitor: Visitor):
    assert visitor.url.split("?")[0].endswith("/signin")
    assert visitor.parsed.h1 == "Sign in"
    assert visitor.form("/signin").fields.get("next", "").startswith("/builders/")


@then(parsers.parse('the visitor is back on the session "{session}" of "{name}"'))
def back_on_session(visitor: Visitor, world: World, session: str, name: str):
    name = world.builder(name)
    assert visitor.page.status_code == 200
    assert visitor.url.split("?")[0].endswith(session_path(name, session))
    assert visitor.parsed.h1 == f"{session} with {name}"
    assert parse(visitor.page.text).slots, "the slot picker should be shown"


# --- Races and overlaps -------------------------------------------------------------------------


@when(
    parsers.parse('{count:d} clients book the same "{session}" slot of "{name}" at the same moment'),
    target_fixture="race_results",
)
def race_for_slot(visitors, world: World, count: int, session: str, name: str) -> dict:
    racers = [visitors() for _ in range(count)]
    for racer in racers:
        racer.open(session_path(world.builder(name), session))
    slot = racers[0].parsed.slots[0]
    forms = [racer.form("/book") for racer in racers]

    def go(index: int) -> int:
        response = racers[index].submit(
            forms[index],
            follow=False,
            slot=slot.value,
            name=f"Racer {index}",
            email=world.email(f"racer{index}@example.com"),
        )
        return response.status_code

    statuses = all_at_once(go, count, timeout=60)
    return {"slot": slot, "statuses": statuses, "racers": racers}


@then("exactly one of them gets a confirmation")
def exactly_one_confirmed(race_results: dict):
    assert race_results["statuses"].count(303) == 1, race_results["statuses"]


@then("the others are told the slot was just taken")
def others_taken(race_results: dict):
    losers = [r for r, s in zip(race_results["racers"], race_results["statuses"], strict=False) if s != 303]
    assert all(r.page.status_code == 409 and "just booked" in page_text(r.page) for r in losers), race_results[
        "statuses"
    ]


@then(parsers.parse('"{name}" has exactly one booking at that time'))
def one_booking_at_time(admin, world: World, race_results: dict, name: str):
    bookings = admin.get("/admin/api/bookings", params={"builder": slug(world.builder(name))}).json()["bookings"]
    assert [b["start_at"] for b in bookings] == [race_results["slot"].value]
    if not world.shared:  # a shared deployment counts every scenario's bookings
        assert admin.get("/admin/api/stats").json()["bookings"] == 1


@given(parsers.parse('"{email}" has booked the first "{session}" slot of "{name}"'), target_fixture="first_booking")
def has_booked(visitors, world: World, email: str, session: str, name: str) -> SlotOption:
    booker = visitors()
    booker.open(session_path(world.builder(name), session))
    slot = booker.parsed.slots[0]
    booker.submit(booker.form("/book"), slot=slot.value, name="Early Bird", email=world.email(email))
    assert booker.parsed.h1 == "You're booked", booker.page.text[:500]
    return slot


@when(
    parsers.parse('another client books the "{session}" slot of "{name}" starting 30 minutes into that booking'),
    target_fixture="visitor",
)
def book_overlapping(visitors, world: World, first_booking: SlotOption, session: str, name: str) -> Visitor:
    visitor = visitors()
    start = datetime.fromisoformat(first_booking.value.replace("Z", "+00:00")) + timedelta(minutes=30)
    visitor.open(session_path(world.builder(name), session))
    visitor.submit(
        visitor.form("/book"),
        slot=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        name="Late Comer",
        email=world.email("late@example.com"),
    )
    return visitor


@then(parsers.parse('the "{session}" picker of "{name}" no longer offers times overlapping that booking'))
def picker_hides_overlap(visitors, world: World, first_booking: SlotOption, session: str, name: str):
    visitor = visitors()
    visitor.open(session_path(world.builder(name), session))
    start = datetime.fromisoformat(first_booking.value.replace("Z", "+00:00"))
    offered = {datetime.fromisoformat(s.value.replace("Z", "+00:00")) for s in visitor.parsed.slots}
    assert offered, "the picker should still offer other times"
    assert not {t for t in offered if start <= t < start + timedelta(minutes=60)}


@then(parsers.parse('"{name}" still has only the first booking'))
def only_first_booking(admin, world: World, first_booking: SlotOption, name: str):
    bookings = admin.get("/admin/api/bookings", params={"builder": slug(world.builder(name))}).json()["bookings"]
    assert [b["start_at"] for b in bookings] == [first_booking.value]
