"""Steps that send deliberately bad booking requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_bdd import parsers, when

from harness.web import Visitor
from steps.support import World, session_path


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@when(parsers.parse("the visitor posts a booking with {problem}"))
def post_bad_booking(visitor: Visitor, world: World, problem: str):
    form = visitor.form("/book")
    first = visitor.parsed.slots[0].value
    values = {"slot": first, "name": "Grace Hopper", "email": world.email("grace@example.com")}
    if problem == "a slot in the past":
        values["slot"] = _iso((datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0))
    elif problem == "a slot that is not offered":
        values["slot"] = _iso(datetime.fromisoformat(first.replace("Z", "+00:00")) + timedelta(minutes=7))
    elif problem == "a malformed email":
        values["email"] = "grace-at-example"
    elif problem == "no name":
        values["name"] = ""
    elif problem == "a malformed slot":
        values["slot"] = "tomorrow at noon"
    elif problem == "no CSRF token":
        form.fields.pop("csrf_token")
    elif problem == "an unknown time zone":
        values["timezone"] = "Mars/Olympus_Mons"
    else:
        raise AssertionError(f"unknown problem {problem!r}")
    visitor.submit(form, **values)


@when(parsers.parse("the visitor posts a booking form of {size:d} KB"))
def post_oversized(visitor: Visitor, world: World, size: int):
    visitor.open(session_path(world.builder("Ada Stone"), "Intro call"))
    form = visitor.form("/book")
    visitor.submit(form, name="x" * (size * 1024))
