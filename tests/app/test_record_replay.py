"""``simulate record`` then ``simulate replay``: an incident seen once against one app, replayed against a fresh one.

A booking is made on Calendly and then canceled there; the app under test learns both from webhooks.
The journal is recorded, and replayed (same bodies, in the same order, signed afresh) against a second
app with the same configuration and an empty database: it ends with the same booking and the same mail.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from app_under_test import create_app
from harness.apps import RunningApp
from harness.marketplace import SessionOffer, register_builder
from harness.provision import calendly
from harness.servers import serve_in_thread
from harness.waiting import wait_until
from simulators.cli import main

pytestmark = [pytest.mark.calendly, pytest.mark.webhook, pytest.mark.database]

# What two apps can share about a booking: ids, URIs and times they each give or learn differently are left out.
COMPARED = (
    "status",
    "builder",
    "session_type",
    "client_email",
    "start_at",
    "end_at",
    "calendly_invitee_uri",
    "source",
    "cancel_reason",
    "canceled_by",
)


def add_builder(app, host: dict, event_type: dict) -> None:
    with app.admin() as admin:
        register_builder(
            admin,
            name="Ada Stone",
            timezone="Europe/London",
            email="ada@example.com",
            host_uri=host["uri"],
            sessions=[(SessionOffer("Intro call", 30), event_type["uri"])],
        )


def final_state(app) -> tuple[list[dict], list[tuple]]:
    with app.admin() as admin:
        bookings = admin.get("/admin/api/bookings").json()["bookings"]
        mail = admin.get("/admin/api/mail").json()["messages"]
    return (
        [{key: b[key] for key in COMPARED} for b in bookings],
        sorted((m["kind"], m["recipient"], m["status"]) for m in mail),
    )


def simulate(simulators, capsys, *args: str) -> str:
    assert main([*args, "--url", simulators.url]) == 0
    return capsys.readouterr().out


def test_a_recorded_booking_and_cancellation_replayed_against_a_fresh_app_ends_the_same(
    app_server, simulators, db_backend, request, tmp_path, capsys
):
    host = calendly.add_host(
        simulators, name="Ada Stone", slug="ada-stone", timezone="Europe/London", email="ada@example.com"
    )
    event_type = calendly.add_event_type(simulators, host_slug="ada-stone", name="Intro call", minutes=30)
    add_builder(app_server, host, event_type)

    made = json.loads(
        simulate(
            simulators,
            capsys,
            "trigger",
            "calendly",
            "invitee.created",
            "--json",
            "--set",
            f"event_type={event_type['uri']}",
            "--set",
            "invitee.email=grace@example.com",
            "--set",
            "invitee.name=Grace Hopper",
        )
    )
    invitee = made["objects"]["invitee"]
    wait_until(lambda: final_state(app_server)[0], timeout=30, what="the booking in the first app")
    simulate(simulators, capsys, "calendly", "cancel", invitee.rsplit("/", 1)[1], "--reason", "Cannot make it")

    def settled(app):
        bookings, mail = final_state(app)
        done = bookings and bookings[0]["status"] == "canceled" and mail and all(m[2] == "sent" for m in mail)
        return (bookings, mail) if done else None

    original = wait_until(lambda: settled(app_server), timeout=60, what="the cancellation and its mail")
    assert original[0][0]["calendly_invitee_uri"] == invitee and original[0][0]["client_email"] == "grace@example.com"

    recording = tmp_path / "incident.jsonl"
    assert simulate(simulators, capsys, "record", str(recording), "--provider", "calendly").startswith(
        "recorded 2 deliveries"
    )

    databases = request.getfixturevalue(f"{db_backend}_databases")
    fresh_url = databases.create()
    config = dataclasses.replace(app_server.config, database_url=fresh_url)
    fresh_app = create_app(config)
    fresh = RunningApp(server=serve_in_thread(fresh_app, name="fresh-app"), config=config, flask_app=fresh_app)
    config.public_base_url = fresh.url
    try:
        add_builder(fresh, host, event_type)  # the same marketplace, no booking yet
        assert final_state(fresh) == ([], [])
        out = simulate(simulators, capsys, "replay", str(recording), "--to", fresh.url)
        assert out.startswith("replayed 2 recorded deliveries") and f"-> {fresh.url}/" in out
        try:
            replayed = wait_until(lambda: settled(fresh), timeout=30, what="the replay to settle")
        except AssertionError:
            raise AssertionError((final_state(fresh), original)) from None
        assert replayed == original
    finally:
        fresh.stop()
        databases.drop(fresh_url)
