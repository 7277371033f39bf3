"""What must hold whatever the outside world did, read through the app's surface and the simulators' journals.

``always`` holds after every step; ``when_quiet`` holds once every fault has ended and every
retry, job and reconciliation has run (``World.quiesce``). Nothing here reads the database: the
bookings come from the operator API and the public booking JSON, the money from the Stripe
simulator's state, the mail from SendGrid's inbox and the app's outbox listing, the deliveries
from the simulators' journal.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from typing import Any

from app_under_test.webhooks.calendly_ingest import dedupe_key as calendly_dedupe_key
from tests.chaos.world import FAULTS, REFUSED_FAULTS, World

LIVE = ("pending_payment", "confirmed")
REFUSED_PLANS = [FAULTS[name] for name in REFUSED_FAULTS]


def _bookings(world: World) -> list[dict]:
    return world._ok(world.admin.get("/admin/api/bookings"))["bookings"]


def _instant(value: str) -> str:
    return value.replace("Z", "+00:00")


def no_slot_held_twice(bookings: list[dict]) -> None:
    by_builder: dict[str, list[dict]] = defaultdict(list)
    for booking in bookings:
        if booking["status"] in LIVE:
            by_builder[booking["builder"]].append(booking)
    for builder, live in by_builder.items():
        live.sort(key=lambda b: _instant(b["start_at"]))
        for first, second in itertools.pairwise(live):
            assert _instant(second["start_at"]) >= _instant(first["end_at"]), (
                f"{builder}'s time is held by two live bookings: {first['id']} ({first['status']}, "
                f"{first['start_at']}-{first['end_at']}) and {second['id']} ({second['status']}, {second['start_at']})"
            )


def paid_confirmed_only_after_payment(world: World, bookings: list[dict]) -> None:
    for booking in bookings:
        if booking["kind"] != "paid" or booking["status"] != "confirmed":
            continue
        payment = booking["payment"] or {}
        assert payment.get("status") in ("paid", "refunded"), (
            f"{booking['id']} is confirmed without a payment: {payment}"
        )
        assert world.stripe.money_for(booking["id"])["captured"], (
            f"{booking['id']} is confirmed but Stripe took nothing"
        )


def money_captured_at_most_once(world: World, bookings: list[dict]) -> dict[str, dict]:
    money = {}
    for booking in bookings:
        if booking["kind"] != "paid":
            continue
        moved = world.stripe.money_for(booking["id"])
        assert len(moved["captured"]) <= 1, f"{booking['id']} was charged {len(moved['captured'])} times: {moved}"
        assert sum(moved["refunded"]) <= sum(moved["captured"]), f"{booking['id']} refunded more than taken: {moved}"
        money[booking["id"]] = moved
    return money


def sent_mail(world: World) -> Counter:
    """(booking, recipient, kind) -> how many mails SendGrid accepted."""
    counts: Counter = Counter()
    for message in world.sendgrid.messages():
        booking = (message.get("custom_args") or {}).get("booking")
        counts[(booking, message["to"].lower(), (message.get("custom_args") or {}).get("mail_kind"))] += 1
    return counts


def each_mail_at_most_once(sent: Counter) -> None:
    for (booking, recipient, kind), count in sent.items():
        if kind != "moved":  # a booking may move more than once; each move has its own notice
            assert count <= 1, f"{kind} mail for {booking} went {count} times to {recipient}"


def _deliveries(world: World) -> list[dict]:
    answer = world._ok(world.stripe.control.get("/deliveries"))
    return [d for d in answer["deliveries"] if d["provider"] in ("stripe", "calendly")]


def _dedupe_key(delivery: dict) -> str | None:
    try:
        envelope = json.loads(delivery["body"])
        if delivery["provider"] == "stripe":
            return f"stripe:{envelope['id']}"
        return calendly_dedupe_key(envelope)
    except (ValueError, KeyError, TypeError):
        return None


def _refused_fault(delivery: dict) -> bool:
    plan = delivery.get("plan") or {}
    return any(all(plan.get(key) == value for key, value in refused.items()) for refused in REFUSED_PLANS)


def refused_deliveries_change_nothing(world: World, deliveries: list[dict], stored: dict[str, dict]) -> None:
    attempts = world._ok(world.stripe.control.get("/deliveries"))["attempts"]
    by_delivery: dict[str, list[dict]] = defaultdict(list)
    for attempt in attempts:
        by_delivery[attempt["delivery_id"]].append(attempt)
    clean_keys = {_dedupe_key(d) for d in deliveries if not _refused_fault(d) and d["status"] != "dropped"}
    for delivery in deliveries:
        if not _refused_fault(delivery):
            continue
        for attempt in by_delivery[delivery["id"]]:
            status = attempt["response_status"]
            assert status is None or 400 <= status < 500, (
                f"a {delivery['plan']} delivery of {delivery['event_type']} was accepted: "
                f"{status} {attempt['response_body'][:200]}"
            )
        key = _dedupe_key(delivery)
        if key not in clean_keys:
            assert key not in stored, f"a refused delivery's event {key} was stored: {stored.get(key)}"


def always(world: World) -> None:
    bookings = _bookings(world)
    no_slot_held_twice(bookings)
    paid_confirmed_only_after_payment(world, bookings)
    money_captured_at_most_once(world, bookings)
    each_mail_at_most_once(sent_mail(world))
    stored = {e["dedupe_key"]: e for e in world._ok(world.admin.get("/admin/api/webhooks"))["events"]}
    refused_deliveries_change_nothing(world, _deliveries(world), stored)


def when_quiet(world: World) -> None:
    always(world)
    bookings = _bookings(world)
    money = money_captured_at_most_once(world, bookings)
    for booking in bookings:
        if booking["status"] not in LIVE and booking["id"] in money:
            moved = money[booking["id"]]
            assert sum(moved["refunded"]) == sum(moved["captured"]), (
                f"{booking['id']} is {booking['status']} but kept money: {moved}"
            )
    mail = world._ok(world.admin.get("/admin/api/mail"))["messages"]
    unsent = [m for m in mail if m["status"] != "sent"]
    assert not unsent, f"mail still unsent once quiet: {unsent[:3]}"
    queued: Counter = Counter((m["booking"], m["recipient"].lower(), m["kind"]) for m in mail)
    assert sent_mail(world) == queued, (
        f"SendGrid's inbox and the outbox differ: {sent_mail(world) - queued} / {queued - sent_mail(world)}"
    )
    for booking in bookings:
        if booking["status"] == "confirmed":
            assert queued[(booking["id"], booking["client_email"].lower(), "confirmation")] == 1, (
                f"confirmed {booking['id']} has no confirmation mail"
            )
    stored = {e["dedupe_key"]: e for e in world._ok(world.admin.get("/admin/api/webhooks"))["events"]}
    for delivery in _deliveries(world):
        if _refused_fault(delivery) or delivery["status"] == "dropped":
            continue
        assert delivery["status"] == "delivered", f"a signed delivery ended {delivery['status']}: {_summary(delivery)}"
        key = _dedupe_key(delivery)
        assert key in stored, f"a delivered event was lost: {key}"
        assert stored[key]["status"] in ("processed", "ignored", "dead"), f"{key} ended {stored[key]['status']}"
    agrees_with_calendly(world, bookings)


def agrees_with_calendly(world: World, bookings: list[dict]) -> None:
    for booking in bookings:
        invitee = booking["calendly_invitee_uri"]
        if not invitee:
            continue
        on_calendly = world.calendly.invitee(invitee)["status"]
        live = booking["status"] in LIVE
        assert live == (on_calendly == "active"), (
            f"{booking['id']} is {booking['status']} in the app but its invitee is {on_calendly} on Calendly"
        )


def _summary(delivery: dict[str, Any]) -> str:
    return f"{delivery['provider']} {delivery['event_type']} {delivery['id']} plan={delivery['plan']}"
