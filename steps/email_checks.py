"""Checks on mail: what each person received, read as they would read it, and what the operator sees.

Times are checked against the booking the mail names in its "Reference:" line.
Counting waits until what is due on the simulators has been delivered (the app
sends mail before it answers a webhook), so "exactly N" also means no late
duplicate is still on its way. Nothing reads the database.
"""

from __future__ import annotations

import html
import json
import re
from zoneinfo import ZoneInfo

from pytest_bdd import parsers, then

from harness.calendly_driver import instant
from harness.sendgrid_driver import SendGridDriver
from harness.waiting import wait_until
from steps.support import COUNTS, KINDS, World, html_text, mails_of_kind, outbox, plain, reference, says, settle, shown


def scenario_mails(sendgrid_sim: SendGridDriver, world: World) -> list[dict]:
    """Every mail the scenario's people received (on a shared deployment, only theirs)."""
    if not world.shared:
        return sendgrid_sim.messages()
    return [m for email in world.emails() for m in sendgrid_sim.messages(to=email)]


# --- Then: what people received ------------------------------------------------------------------


@then(
    parsers.re(rf'"(?P<email>[^"]+)" receives exactly (?P<count>\d+|one|two) (?P<kind>{KINDS}) mails?'),
    target_fixture="mail",
)
def receives_exactly(
    sendgrid_sim: SendGridDriver,
    simulators,
    app_server,
    world: World,
    received: dict,
    email: str,
    count: str,
    kind: str,
) -> dict | None:
    email = world.email(email)
    wanted = COUNTS.get(count, None)
    wanted = int(count) if wanted is None else wanted
    if wanted:
        wait_until(
            lambda: len(mails_of_kind(sendgrid_sim, app_server, email, kind)) >= wanted,
            what=f"{wanted} {kind} mail(s) to {email}",
        )
    settle(simulators)
    mails = mails_of_kind(sendgrid_sim, app_server, email, kind)
    assert len(mails) == wanted, [(m["subject"], m["virtual_time"]) for m in mails]
    received["mails"] = mails
    return mails[-1] if mails else None


@then(parsers.re(rf'"(?P<email>[^"]+)" receives no (?P<kind>{KINDS}) mail'))
def receives_none(
    sendgrid_sim: SendGridDriver, simulators, app_server, world: World, received: dict, email: str, kind: str
):
    receives_exactly(sendgrid_sim, simulators, app_server, world, received, email, "no", kind)


@then(parsers.parse('the mail\'s subject is "{subject}"'))
def subject_is(mail: dict, world: World, subject: str):
    assert mail["subject"] == world.text(subject), mail["subject"]


@then(parsers.parse('the mail\'s subject starts with "{prefix}"'))
def subject_starts(mail: dict, world: World, prefix: str):
    assert mail["subject"].startswith(world.text(prefix)), mail["subject"]


@then(parsers.parse('the mail says "{sentence}"'))
def mail_says(mail: dict, world: World, sentence: str):
    sentence = world.text(sentence)
    assert says(mail, sentence), f"{sentence!r} is not in both parts:\n{mail['text']}\n---\n{html_text(mail)}"


@then(parsers.parse('the mail does not say "{sentence}"'))
def mail_does_not_say(mail: dict, world: World, sentence: str):
    sentence = world.text(sentence)
    assert sentence not in plain(mail) and sentence not in html_text(mail), mail["text"]


@then(parsers.parse('the mail gives the session\'s start in "{zone}"'))
def mail_gives_start(admin, mail: dict, zone: str):
    booking = admin.get(f"/api/v1/bookings/{reference(mail)}").json()
    expected = shown(instant(booking["start_at"]), zone)
    assert says(mail, expected), (expected, mail["text"])
    if re.search(r"\d{2}:\d{2}", mail["subject"]):  # a subject that gives a time gives this one
        assert expected in mail["subject"], (expected, mail["subject"])


@then(parsers.parse('each of them gives its session\'s start at {hour} in "{zone}"'))
def each_gives_start(admin, received: dict, hour: str, zone: str):
    for mail in received["mails"]:
        start = instant(admin.get(f"/api/v1/bookings/{reference(mail)}").json()["start_at"])
        assert start.astimezone(ZoneInfo(zone)).strftime("%H:%M") == hour, start
        mail_gives_start(admin, mail, zone)


@then(parsers.parse('between them they name both offsets of "{zone}"'))
def both_offsets(received: dict, zone: str):
    named = {name for mail in received["mails"] for name in re.findall(rf"{re.escape(zone)} \((\w+)\)", mail["text"])}
    assert len(named) == 2, named


@then(parsers.parse('the mail gives the old start and the new start in "{zone}"'))
def mail_gives_move(mail: dict, rescheduled: dict, zone: str):
    was, now = shown(instant(rescheduled["old_start"]), zone), shown(instant(rescheduled["start"]), zone)
    assert says(mail, f"Was: {was}") and says(mail, f"Now: {now}"), (was, now, mail["text"])


@then("the mail names the booking's Stripe payment and Checkout Session")
def names_stripe_payment(stripe_sim, checkout: dict, mail: dict):
    [session] = stripe_sim.sessions_for(checkout["booking_id"])
    assert says(mail, f"Stripe checkout session: {session['id']}"), mail["text"]
    assert session["payment_intent"] and says(mail, f"Stripe payment: {session['payment_intent']}"), mail["text"]


@then("the mail names the booking's Stripe refund")
def names_stripe_refund(stripe_sim, checkout: dict, mail: dict):
    state = stripe_sim.state()
    intents = {
        s["payment_intent"] for s in state["checkout_sessions"] if s["client_reference_id"] == checkout["booking_id"]
    }
    [refund] = [r for r in state["refunds"] if r["payment_intent"] in intents]
    assert says(mail, f"Stripe refund: {refund['id']}"), mail["text"]


@then(parsers.parse('the mail\'s link opens the booking page of "{email}"'))
def link_opens_booking(visitors, mail: dict, email: str):  # the mail's own reference is checked, not the address
    link = re.search(r'href="([^"]+/bookings/[^"]+)"', mail["html"])
    assert link, mail["html"]
    visitor = visitors()
    visitor.open(html.unescape(link.group(1)))
    assert visitor.page.status_code == 200 and visitor.parsed.data_attrs.get("data-booking") == reference(mail)


@then("the mail has no empty template variables")
def no_empty_variables(mail: dict):
    assert mail["missing_variables"] == [] and mail["render_errors"] == [], mail
    assert "{{" not in mail["subject"] + mail["text"] + mail["html"]


@then("no mail of the scenario has empty template variables")
def no_mail_has_empty_variables(sendgrid_sim: SendGridDriver, world: World):
    mails = scenario_mails(sendgrid_sim, world)
    assert mails, "no mail was sent"
    for mail in mails:
        no_empty_variables(mail)


@then("no mail was sent twice")
def no_mail_twice(sendgrid_sim: SendGridDriver, simulators, world: World):
    settle(simulators)
    seen = [(m["to"], m["template_id"], m["subject"], reference(m)) for m in scenario_mails(sendgrid_sim, world)]
    assert len(seen) == len(set(seen)), seen


# --- Then: what the operator sees --------------------------------------------------------------


@then(parsers.parse('the operator sees the mail to "{email}" waiting for a retry after "{error}"'))
def waiting_for_retry(admin, world: World, email: str, error: str):
    mails = outbox(admin, recipient=world.email(email))
    assert mails and all(m["status"] == "retry" and error in (m["last_error"] or "") for m in mails), mails


@then(parsers.parse('the operator sees a dead mail to "{email}" saying "{error}"'))
def dead_mail(admin, world: World, email: str, error: str):
    email = world.email(email)
    dead = wait_until(
        lambda: [m for m in outbox(admin, status="dead", recipient=email) if error in (m["last_error"] or "")],
        what=f"a dead mail to {email} saying {error!r}",
    )
    assert len(dead) >= 1, dead


@then("the operator sees no dead mail")
def no_dead_mail(admin, world: World):
    if world.shared:  # the outbox holds every scenario's mail: look at this scenario's addresses
        assert [m for e in world.emails() for m in outbox(admin, status="dead", recipient=e)] == []
        return
    assert outbox(admin, status="dead") == []


@then(parsers.parse('SendGrid reported the mail to "{email}" as blocked and the app took the report'))
def blocked_report_taken(sendgrid_sim: SendGridDriver, simulators, admin, world: World, email: str):
    email = world.email(email)
    wait_until(
        lambda: [m for m in sendgrid_sim.messages(to=email) if m["status"] == "blocked"],
        what=f"SendGrid to block the mail to {email}",
    )
    settle(simulators)  # the bounce of type blocked has been answered by the app
    reports = admin.get("/admin/api/webhooks", params={"provider": "sendgrid", "event_type": "bounce"}).json()["events"]
    if world.shared:  # the deployment stores every scenario's reports: those the app named answering this one's
        reports = [e for e in reports if e["id"] in stored_since(simulators, "sendgrid", world.journal_since)]
    assert [e["status"] for e in reports] == ["ignored"], reports  # stored, nothing to change


def stored_since(simulators, provider: str, since: int | None) -> set[int]:
    """The app's event ids named in its answers to the provider's deliveries after journal position ``since``."""
    with simulators.control() as control:
        journal = control.get("/deliveries", params={"provider": provider, "after": since or 0}).json()
    ids = {d["id"] for d in journal["deliveries"]}
    answers = [
        json.loads(a["response_body"]) for a in journal["attempts"] if a["delivery_id"] in ids and a["succeeded"]
    ]
    return {answer["event"] for answer in answers if isinstance(answer, dict) and "event" in answer}


@then(parsers.parse('the operator does not see "{email}" as undeliverable'))
def still_deliverable(admin, world: World, email: str):
    email = world.email(email)
    undeliverable = admin.get("/admin/api/clients", params={"undeliverable": 1}).json()["clients"]
    assert email not in [c["email"] for c in undeliverable], undeliverable


@then(parsers.parse('the operator sees "{email}" as undeliverable'))
def undeliverable(admin, world: World, email: str):
    email = world.email(email)
    wait_until(
        lambda: (
            email
            in [c["email"] for c in admin.get("/admin/api/clients", params={"undeliverable": 1}).json()["clients"]]
        ),
        what=f"{email} to be marked undeliverable",
    )


@then(parsers.parse("the reminder job queued {first:d} reminder the first time and {second:d} the second time"))
def reminder_counts(reminder_runs: list[dict], first: int, second: int):
    assert [run["queued"] for run in reminder_runs] == [first, second], reminder_runs


@then("the reminder job queued no reminder")
def no_reminder_queued(reminder_runs: list[dict]):
    assert all(run["queued"] == 0 for run in reminder_runs), reminder_runs
