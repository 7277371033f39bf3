"""Same seed, same Calendly: ids and payloads replay exactly; and the ``simulate calendly`` commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from harness import http_clients
from harness.receiver import RecordingReceiver
from harness.servers import serve_in_thread
from simulators.cli import main as simulate
from simulators.server import create_simulator

pytestmark = pytest.mark.calendly

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def run_scenario(seed: int, start: str, *, public_url: str = "http://sim.test") -> list[bytes]:
    """Host, event type, subscription, booking, no-show, cancel; returns the webhook bodies received."""
    sim = create_simulator(seed=seed, auto_deliver=False)
    server, recording = serve_in_thread(sim.wsgi_app), RecordingReceiver()
    receiver = serve_in_thread(recording)
    try:
        with http_clients.client(base_url=server.url, timeout=30) as http:
            http.post("/_sim/calendly/config", json={"public_url": public_url})
            user = http.post("/_sim/calendly/users", json={}).json()
            api = {"Authorization": f"Bearer {user['token']}"}
            http.put("/_sim/calendly/availability", json={"user": user["resource"]["uri"], "extra_slots": [start]})
            event_type = http.post(
                "/_sim/calendly/event_types", json={"user": user["resource"]["uri"], "name": "Intro"}
            ).json()["resource"]
            http.post(
                "/calendly/webhook_subscriptions",
                headers=api,
                json={
                    "url": receiver.url + "/hooks",
                    "events": ["invitee.created", "invitee.canceled", "invitee_no_show.created"],
                    "organization": user["organization"],
                    "scope": "organization",
                    "signing_key": "k",
                },
            )
            invitee = http.post(
                "/calendly/invitees",
                headers=api,
                json={
                    "event_type": event_type["uri"],
                    "start_time": start,
                    "invitee": {"name": "Casey", "email": "casey@example.com", "timezone": "UTC"},
                },
            ).json()["resource"]
            http.post("/calendly/invitee_no_shows", headers=api, json={"invitee": invitee["uri"]})
            http.post(f"/_sim/calendly/invitees/{invitee['uri'].rsplit('/', 1)[-1]}/cancel", json={"by": "host"})
            http.post("/_sim/deliveries/flush")
        return [r.body for r in recording.wait_for(3)]
    finally:
        server.stop()
        receiver.stop()
        sim.hub.engine.close()


def without_clock_readings(body: bytes) -> str:
    """Creation/update timestamps read the wall clock; everything else must replay byte for byte."""
    return STAMP.sub("<time>", body.decode())


def test_the_same_seed_replays_the_same_payloads_and_another_seed_does_not():
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    start_text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    first, second, other = run_scenario(7, start_text), run_scenario(7, start_text), run_scenario(8, start_text)
    assert [json.loads(b)["event"] for b in first] == ["invitee.created", "invitee_no_show.created", "invitee.canceled"]
    assert [without_clock_readings(b) for b in first] == [without_clock_readings(b) for b in second]
    assert json.loads(first[0])["payload"]["uri"] != json.loads(other[0])["payload"]["uri"]
    assert json.loads(first[0])["payload"]["cancel_url"].startswith("http://sim.test/calendly/cancellations/")


def test_reset_restores_the_id_sequence(calendly):
    first = calendly.control("POST", "/users", json={"name": "Ada"}).json()
    calendly.http.post("/_sim/reset", json={})
    assert calendly.control("GET", "/state").json()["users"] == []
    again = calendly.control("POST", "/users", json={"name": "Ada"}).json()
    assert again["resource"]["uri"] == first["resource"]["uri"] and again["token"] == first["token"]


def test_cli_creates_a_host_and_cancels_and_reschedules_invitees(calendly, capsys, helpers):
    url = ["--url", calendly.url]
    assert simulate(["calendly", "host", "--name", "Cli Host", "--slug", "cli", *url]) == 0
    token = re.search(r"token: (\S+)", capsys.readouterr().out).group(1)
    assert simulate(["calendly", "event-type", "cli", "Workshop", "--group", "4", *url]) == 0
    assert "scheduling page:" in capsys.readouterr().out
    host = calendly.api(token)
    me = host.get("/users/me").json()["resource"]
    workshop = host.get("/event_types", params={"user": me["uri"]}).json()["collection"][0]
    assert workshop["kind"] == "group"
    calendly.control("PUT", "/availability", json={"user": me["uri"], "weekly_hours": helpers.ALWAYS_OPEN})
    slots = host.get(
        "/event_type_available_times",
        params={
            "event_type": workshop["uri"],
            "start_time": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "end_time": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        },
    ).json()["collection"]
    assert slots[0]["invitees_remaining"] == 4
    booked = host.post(
        "/invitees",
        json={
            "event_type": workshop["uri"],
            "start_time": slots[0]["start_time"],
            "invitee": {"name": "Pat", "email": "pat@example.com"},
        },
    ).json()["resource"]
    uuid = helpers.uuid_of(booked["uri"])
    assert simulate(["calendly", "reschedule", uuid, slots[2]["start_time"], "--order", "created_first", *url]) == 0
    moved_to = re.search(r"-> (\S+)", capsys.readouterr().out).group(1)
    assert simulate(["calendly", "cancel", helpers.uuid_of(moved_to), "--by", "host", "--reason", "ill", *url]) == 0
    state = calendly.control("GET", "/state").json()
    statuses = {i["uri"]: (i["status"], i.get("cancellation", {}).get("canceler_type")) for i in state["invitees"]}
    assert statuses == {booked["uri"]: ("canceled", "invitee"), moved_to: ("canceled", "host")}
    assert simulate(["calendly", "rate-limit", "1", "--window", "30", *url]) == 0
    assert [host.get("/users/me").status_code for _ in range(2)] == [200, 429]
    assert simulate(["calendly", "cancel", "no-such-invitee", *url]) == 1
    assert "404" in capsys.readouterr().err
