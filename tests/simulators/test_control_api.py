"""The global control API under /_sim, over real HTTP: every route, and a precise 4xx for bad input."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

import simulators.server
from harness import http_clients
from simulators.delivery import CALENDLY

pytestmark = [pytest.mark.webhook]


class TinySigner:
    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        key = b"other" if wrong_key else b"key"
        return {
            "X-Sig": f"t={timestamp},v1={hmac.new(key, f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()}"
        }


@pytest.fixture
def control(simulator, monkeypatch):
    """An HTTP client for /_sim. Plans are checked against the mounted providers, read per request;
    pin that list after the simulator is built so these tests do not depend on which providers exist."""
    monkeypatch.setattr(simulators.server, "PROVIDERS", ("calendly", "stripe"))
    with http_clients.client(base_url=f"{simulator.url}/_sim", timeout=30) as client:
        yield client


@pytest.fixture
def emit(simulator, receiver):
    """Emit an event from the simulator's engine to the receiver, as a provider package would."""

    def emit_event(event_type="invitee.created", provider="calendly", **payload):
        return simulator.hub.engine.submit(
            provider=provider,
            endpoint=f"{receiver.url}/webhooks/{provider}",
            event_type=event_type,
            payload={"event": event_type, **payload},
            signer=TinySigner(),
            retry=CALENDLY,
        )

    return emit_event


def assert_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert fragment in response.json()["error"]


def test_health_reports_seed_clock_and_mode(control):
    body = control.get("/health").json()
    assert body["status"] == "ok" and body["seed"] == 1234 and body["auto_deliver"] is False
    assert isinstance(body["virtual_now"], float)


def test_unknown_routes_and_methods_answer_json(control):
    assert_error(control.get("/nope"), 404, "not found")
    assert_error(control.get("/reset"), 405, "method")


def test_reset_clears_deliveries_and_switches_seed(control, simulator, emit):
    emit()
    control.post("/clock/advance", json={"seconds": 60})
    response = control.post("/reset", json={"seed": 77})
    assert response.json() == {"status": "reset", "seed": 77}
    assert simulator.hub.seed == 77 and simulator.hub.clock.offset == 0
    assert control.get("/deliveries").json() == {"attempts": [], "deliveries": []}
    first = emit()[0].id
    control.post("/reset", json={"seed": 77})
    assert emit()[0].id == first
    control.post("/reset", json={"seed": 78})
    assert emit()[0].id != first


@pytest.mark.parametrize("body", [{"seed": "1"}, {"seed": True}, {"seed": 1.5}])
def test_reset_refuses_a_seed_that_is_not_an_integer(control, body):
    assert_error(control.post("/reset", json=body), 400, "seed must be an integer")


def test_reset_refuses_a_body_that_is_not_a_json_object(control):
    assert_error(
        control.post("/reset", content=b"[1]", headers={"Content-Type": "application/json"}), 400, "JSON object"
    )


@pytest.mark.parametrize(
    "value, seconds", [(7200, 7200.0), ("2h", 7200.0), ("90m", 5400.0), ("1d", 86400.0), ("1h30m", 5400.0), (0.5, 0.5)]
)
def test_advance_accepts_seconds_and_duration_strings(control, simulator, value, seconds):
    response = control.post("/clock/advance", json={"seconds": value})
    assert response.status_code == 200
    assert response.json()["advanced"] == seconds
    assert simulator.hub.clock.offset == pytest.approx(seconds)
    assert control.get("/clock").json()["offset"] == pytest.approx(seconds)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"seconds": -1}, "not negative"),
        ({"seconds": "2x"}, "cannot read '2x'"),
        ({}, "give seconds"),
        ({"seconds": True}, "duration"),
        ({"seconds": [1]}, "duration"),
    ],
)
def test_advance_refuses_bad_durations(control, simulator, body, fragment):
    assert_error(control.post("/clock/advance", json=body), 400, fragment)
    assert simulator.hub.clock.offset == 0


def test_advance_without_a_body_is_refused(control):
    assert_error(control.post("/clock/advance"), 400, "expected a JSON object body")


def test_advance_sends_retries_that_fall_due(control, emit, receiver):
    receiver.respond_with(500)
    emit()
    [first] = control.post("/deliveries/flush").json()["attempts"]
    assert first["response_status"] == 500 and first["succeeded"] is False
    assert control.post("/clock/advance", json={"duration": "59s"}).json()["attempts"] == []
    [retry] = control.post("/clock/advance", json={"duration": "1s"}).json()["attempts"]
    assert (retry["attempt_no"], retry["response_status"]) == (2, 200)
    assert len(receiver.wait_for(2)) == 2


def test_a_plan_set_over_http_shapes_the_next_event(control, emit, receiver):
    response = control.post(
        "/plans", json={"provider": "calendly", "event_type": "invitee.created", "plan": {"duplicate": 2}}
    )
    assert response.status_code == 201 and response.json()["plan"]["duplicate"] == 2
    assert control.get("/plans").json()["plans"][0]["times"] == 1
    emit("invitee.canceled")
    emit("invitee.created")
    attempts = control.post("/deliveries/flush").json()["attempts"]
    assert [a["event_type"] for a in attempts] == ["invitee.canceled"] + ["invitee.created"] * 3
    assert control.get("/plans").json()["plans"] == []
    assert len(receiver.wait_for(4)) == 4


def test_plans_until_cleared_and_clearing_by_provider(control):
    control.post("/plans", json={"provider": "calendly", "plan": {"reorder": True}, "times": None})
    control.post("/plans", json={"provider": "stripe", "plan": {"delay": 5}})
    assert [p["times"] for p in control.get("/plans").json()["plans"]] == [None, 1]
    assert control.delete("/plans", params={"provider": "calendly"}).status_code == 200
    assert [p["provider"] for p in control.get("/plans").json()["plans"]] == ["stripe"]
    control.delete("/plans")
    assert control.get("/plans").json()["plans"] == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"plan": {"duplicate": 1}}, "provider must be"),
        ({"provider": "calendly", "plan": {"duplicat": 1}}, "unknown delivery plan keys: duplicat"),
        ({"provider": "calendly", "plan": {"duplicate": -1}}, "duplicate must be an integer"),
        ({"provider": "calendly", "plan": {"delay": "2h"}}, "delay must be"),
        ({"provider": "calendly", "plan": [1]}, "plan must be a JSON object"),
        ({"provider": "calendly", "plan": {}, "times": 0}, "times must be"),
        ({"provider": "calendly", "plan": {}, "times": True}, "times must be"),
        ({"provider": "calendly", "plan": {}, "event_type": 3}, "event_type must be"),
        ({"provider": "calendly", "plan": {}, "when": "now"}, "unknown keys: when"),
    ],
)
def test_bad_plans_are_refused_with_the_reason(control, body, fragment):
    assert_error(control.post("/plans", json=body), 400, fragment)
    assert control.get("/plans").json()["plans"] == []


def test_a_provider_that_is_not_mounted_is_refused(control):
    assert_error(
        control.post("/plans", json={"provider": "calendy", "plan": {}}),
        400,
        "unknown provider 'calendy'; known: calendly, stripe",
    )
    assert_error(control.delete("/plans", params={"provider": "calendy"}), 400, "unknown provider")
    assert control.post("/plans", json={"provider": "stripe", "plan": {}}).status_code == 201


def test_deliveries_filter_by_provider_event_type_and_status(control, emit, receiver):
    receiver.respond_with(500)
    emit("invitee.created")
    emit("invitee.canceled")
    emit("checkout.session.completed", provider="stripe")
    control.post("/deliveries/flush")

    def listed(**params):
        body = control.get("/deliveries", params=params).json()
        return [a["event_type"] for a in body["attempts"]], [d["status"] for d in body["deliveries"]]

    assert listed(provider="calendly") == (["invitee.created", "invitee.canceled"], ["failed", "delivered"])
    assert listed(event_type="invitee.canceled") == (["invitee.canceled"], ["delivered"])
    assert listed(status="failed") == (["invitee.created"], ["failed"])
    assert listed(provider="stripe", status="failed") == ([], [])
    assert_error(control.get("/deliveries", params={"status": "lost"}), 400, "unknown status 'lost'")


def test_deliveries_after_a_journal_position_are_only_the_later_ones(control, emit, receiver):
    emit("invitee.created")
    position = control.get("/health").json()["last_sequence"]
    emit("invitee.canceled")
    control.post("/deliveries/flush")
    later = control.get("/deliveries", params={"after": position}).json()
    assert [d["event_type"] for d in later["deliveries"]] == ["invitee.canceled"]
    assert [a["event_type"] for a in later["attempts"]] == ["invitee.canceled"]
    assert control.get("/health").json()["last_sequence"] == position + 1
    assert_error(control.get("/deliveries", params={"after": "-1"}), 400, "after must be")


def test_pending_lists_undelivered_deliveries_with_their_next_attempt(control, emit, receiver):
    receiver.respond_with(500)
    control.post("/plans", json={"provider": "calendly", "plan": {"reorder": True}, "event_type": "invitee.canceled"})
    emit("invitee.canceled")
    emit("invitee.created")
    answer = control.get("/pending").json()
    [held] = answer["deliveries"][:1]
    assert held["status"] == "held" and held["event_type"] == "invitee.canceled"
    # the clock is read after the snapshot: whatever the snapshot shows as due is due by this reading
    assert all(d["next_attempt_at"] <= answer["virtual_now"] for d in answer["deliveries"] if d["status"] == "pending")
    assert answer["virtual_now"] >= held["next_attempt_at"]
    control.post(
        "/clock/advance", json={"seconds": 0}
    )  # sends invitee.created, which releases the held invitee.canceled
    by_type = {d["event_type"]: d for d in control.get("/pending").json()["deliveries"]}
    assert set(by_type) == {"invitee.created"}
    assert by_type["invitee.created"]["status"] == "failed"
    assert by_type["invitee.created"]["next_attempt_at"] == pytest.approx(
        by_type["invitee.created"]["first_attempt_at"] + 60
    )
    assert control.get("/pending", params={"provider": "stripe"}).json()["deliveries"] == []
