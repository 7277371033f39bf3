"""Steps about time zones: slot labels, and a daylight-saving change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pytest_bdd import parsers, then, when

from harness.web import SlotOption, Visitor, parse
from steps.support import World


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def next_offset_change(zone_name: str, after: date) -> date:
    """The first date whose noon UTC offset differs from the day before (searching up to a year)."""
    tz = ZoneInfo(zone_name)

    def offset(day: date):
        return datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()

    day = after
    for _ in range(370):
        if offset(day + timedelta(days=1)) != offset(day):
            return day + timedelta(days=1)
        day += timedelta(days=1)
    raise AssertionError(f"{zone_name} has no daylight-saving change within a year")


def working_day(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def first_slot_on(visitor: Visitor, day: date) -> SlotOption:
    visitor.open(visitor.url.split("?")[0], week=day.isoformat())
    slots = [s for s in parse(visitor.page.text).slots if s.local.startswith(day.isoformat())]
    assert slots, f"no slots on {day} at {visitor.url}"
    return slots[0]


@then(parsers.parse('every slot is labelled with its UTC instant converted to "{zone}"'))
def slots_labelled_in_zone(visitor: Visitor, zone: str):
    slots = visitor.parsed.slots
    assert slots
    for slot in slots:
        local = instant(slot.value).astimezone(ZoneInfo(zone))
        assert slot.local == local.strftime("%Y-%m-%d %H:%M"), slot
        assert slot.label == local.strftime("%H:%M")


@then(parsers.parse('the first slot starts at {hour} in "{zone}"'))
def first_slot_of_each_day_at(visitor: Visitor, hour: str, zone: str):
    """Every full day starts at the builder's opening hour (today may already be partly gone)."""
    first_per_day: dict[date, datetime] = {}
    for slot in visitor.parsed.slots:
        local = instant(slot.value).astimezone(ZoneInfo(zone))
        first_per_day.setdefault(local.date(), local)
    full_days = list(first_per_day.values())[1:]
    assert full_days, first_per_day
    assert all(start.strftime("%H:%M") == hour for start in full_days), first_per_day


@when(parsers.parse('the visitor changes the time zone to "{zone}"'))
def change_zone(visitor: Visitor, zone: str):
    zone_form = next(f for f in visitor.parsed.forms if "tz" in f.fields)
    visitor.submit(zone_form, tz=zone)


@when(parsers.parse('the visitor looks for the next daylight-saving change in "{zone}"'), target_fixture="dst_change")
def find_dst_change(zone: str) -> date:
    return next_offset_change(zone, date.today() + timedelta(days=7))


@when("the visitor notes the first slot on the last working day before the change", target_fixture="slot_before")
def slot_before_change(visitor: Visitor, dst_change: date) -> SlotOption:
    return first_slot_on(visitor, working_day(dst_change - timedelta(days=1), -1))


@when("the visitor notes the first slot on the first working day after the change", target_fixture="slot_after")
def slot_after_change(visitor: Visitor, dst_change: date) -> SlotOption:
    return first_slot_on(visitor, working_day(dst_change, +1))


@then(parsers.parse('both first slots start at {hour} in "{zone}"'))
def both_at_hour(slot_before: SlotOption, slot_after: SlotOption, hour: str, zone: str):
    for slot in (slot_before, slot_after):
        assert instant(slot.value).astimezone(ZoneInfo(zone)).strftime("%H:%M") == hour, slot


@then("their UTC offsets differ by one hour")
def offsets_differ(slot_before: SlotOption, slot_after: SlotOption):
    before, after = instant(slot_before.value), instant(slot_after.value)
    assert abs(before.hour * 60 + before.minute - (after.hour * 60 + after.minute)) == 60


@then(parsers.parse('each is shown in "{zone}" as its UTC instant converted there'))
def each_shown_in(slot_before: SlotOption, slot_after: SlotOption, zone: str):
    for slot in (slot_before, slot_after):
        assert slot.local == instant(slot.value).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@when(
    parsers.parse('the visitor books the first slot after the change as "{name}" with email "{email}"'),
    target_fixture="chosen_slot",
)
def book_after_change(visitor: Visitor, world: World, slot_after: SlotOption, name: str, email: str) -> SlotOption:
    visitor.submit(visitor.form("/book"), slot=slot_after.value, name=name, email=world.email(email))
    return slot_after
