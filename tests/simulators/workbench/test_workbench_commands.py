"""Workbench commands in-process: plans that guide, every trigger, resend, inject, record and replay."""

from __future__ import annotations

import json

import pytest
import stripe

from simulators.cli import main
from simulators.delivery.plan import plan_keys
from simulators.stripe.events import EVENT_TYPES as STRIPE_EVENT_TYPES
from simulators.workbench import WORKBENCH_PROVIDERS, provider_workbench

pytestmark = [pytest.mark.webhook]


@pytest.fixture
def simulate(simulator, capsys):
    def run(*args: str):
        code = main([*args, "--url", simulator.url])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def listening(simulate, receiver):
    for provider in WORKBENCH_PROVIDERS:
        code, _, err = simulate(
            "listen", "--forward-to", f"{receiver.url}/{provider}", "--provider", provider, "--no-follow"
        )
        assert code == 0, err
    return receiver


def test_plan_help_lists_every_key_of_the_definition_the_engine_validates_against(capsys):
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    out = capsys.readouterr().out
    for key, text in plan_keys().items():
        assert f"  {key:<19} {text}" in out


def test_an_unknown_plan_key_names_the_valid_ones(simulate):
    code, _, err = simulate("plan", "--provider", "stripe", '{"duplicates": 2}')
    assert code == 1 and "unknown delivery plan keys: duplicates (valid keys: duplicate, resign_duplicates" in err


@pytest.mark.parametrize(
    ("provider", "typo", "listed"),
    [
        ("stripe", "checkout.session.complete", "checkout.session.completed"),
        ("calendly", "invitee.cancelled", "invitee.canceled"),
        ("sendgrid", "bounced", "bounce"),
    ],
)
def test_an_event_type_the_provider_never_emits_is_refused_with_its_list(simulate, simulator, provider, typo, listed):
    code, _, err = simulate("plan", "--provider", provider, "--event-type", typo, '{"duplicate": 1}')
    assert code == 1 and f"{provider} never emits {typo!r}" in err and listed in err
    assert simulator.hub.engine.plans() == []


def test_every_command_names_the_simulator_it_asked(simulate, simulator, monkeypatch, capsys):
    assert f"simulator: {simulator.url} (from --url)" in simulate("pending")[2]
    monkeypatch.setenv("SIMULATOR_URL", simulator.url)
    assert main(["plans"]) == 0
    assert f"simulator: {simulator.url} (from $SIMULATOR_URL)" in capsys.readouterr().err
    monkeypatch.delenv("SIMULATOR_URL")
    main(["plans"])
    assert "simulator: http://127.0.0.1:8025 (the default; set $SIMULATOR_URL or --url for another)" in (
        capsys.readouterr().err
    )


def test_journal_lines_show_the_event_id_and_the_endpoint(simulate, listening):
    simulate("trigger", "stripe", "charge.succeeded")
    simulate("flush")
    code, out, _ = simulate("journal", "--event-type", "charge.succeeded")
    [line] = out.splitlines()
    assert code == 0
    assert " evt_" in line and f"-> {listening.url}/stripe" in line


@pytest.mark.parametrize("event_type", STRIPE_EVENT_TYPES)
def test_every_stripe_event_type_has_a_trigger_that_emits_it(simulate, simulator, listening, event_type):
    code, out, err = simulate("trigger", "stripe", event_type)
    assert code == 0, err
    assert f"{event_type} " in out
    simulate("flush")
    sent = {json.loads(r.body)["type"] for r in listening.requests}
    assert event_type in sent


@pytest.mark.parametrize("trigger", list(provider_workbench("calendly").TRIGGERS))
def test_every_calendly_trigger_emits_its_events(simulate, listening, trigger):
    code, _, err = simulate("trigger", "calendly", trigger)
    assert code == 0, err
    simulate("flush")
    sent = [json.loads(r.body)["event"] for r in listening.requests]
    expected = ["invitee.canceled", "invitee.created"] if trigger == "reschedule" else [trigger]
    assert set(expected) <= set(sent)
    if trigger == "reschedule":
        rescheduled = [json.loads(r.body)["payload"] for r in listening.requests[-2:]]
        assert {p.get("rescheduled") for p in rescheduled} >= {True}


@pytest.mark.parametrize("trigger", list(provider_workbench("sendgrid").TRIGGERS))
def test_every_sendgrid_trigger_emits_its_event_kind(simulate, listening, trigger):
    code, _, err = simulate("trigger", "sendgrid", trigger)
    assert code == 0, err
    simulate("flush")
    events = [event for r in listening.requests for event in json.loads(r.body)]
    kind = "bounce" if trigger == "blocked" else trigger
    assert kind in {e["event"] for e in events}
    if trigger == "blocked":
        assert any(e.get("type") == "blocked" for e in events)


def test_an_unknown_trigger_lists_the_known_ones(simulate):
    code, _, err = simulate("trigger", "calendly", "invitee.rescheduled")
    assert code == 1 and "no calendly trigger 'invitee.rescheduled'; known: invitee.created" in err


def test_set_overrides_fields_of_what_the_trigger_creates(simulate, simulator, listening):
    code, _, err = simulate(
        "trigger",
        "stripe",
        "checkout.session.completed",
        "--set",
        "metadata.booking_id=42",
        "--set",
        "customer_email=ada@example.com",
    )
    assert code == 0, err
    simulate("flush")
    [completed] = [json.loads(r.body) for r in listening.requests if b'"checkout.session.completed"' in r.body]
    assert completed["data"]["object"]["metadata"]["booking_id"] == "42"
    assert completed["data"]["object"]["customer_details"]["email"] == "ada@example.com"


def test_resend_signs_afresh_and_goes_where_asked(simulate, simulator, listening, receiver):
    simulate("trigger", "calendly", "invitee.created")
    simulate("flush")
    [first] = listening.requests
    delivery = simulator.hub.engine.deliveries(provider="calendly")[0].id
    code, out, _ = simulate("resend", delivery, "--to", f"{receiver.url}/elsewhere")
    assert code == 0 and "resend" in out and f"-> {receiver.url}/elsewhere" in out
    simulate("flush")
    again = listening.requests[-1]
    assert again.path == "/elsewhere" and again.body == first.body
    assert again.headers["Calendly-Webhook-Signature"].startswith("t=")


def test_inject_delivers_a_captured_body_byte_for_byte_signed_with_the_configured_secret(
    simulate, simulator, listening, tmp_path
):
    captured = '{\n  "id": "evt_from_dashboard",\n  "object": "event",\n  "type": "charge.refunded",\n  "data": {}\n}'
    (tmp_path / "event.json").write_text(captured)
    code, out, err = simulate("inject", "stripe", "--file", str(tmp_path / "event.json"), "--plan", '{"duplicate": 1}')
    assert code == 0, err
    assert out.count("evt_from_dashboard") == 2
    simulate("flush")
    secret = json.loads(simulate("stripe", "state")[1])["webhook_endpoints"][0]["secrets"][0]["secret"]
    bodies = [r for r in listening.requests if r.body == captured.encode()]
    assert len(bodies) == 2
    for request in bodies:
        event = stripe.Webhook.construct_event(request.body.decode(), request.headers["Stripe-Signature"], secret)
        assert event["id"] == "evt_from_dashboard"


def test_record_then_replay_sends_the_same_bodies_in_the_same_order(simulate, listening, tmp_path):
    simulate("trigger", "calendly", "invitee.canceled", "--plan", '{"corrupt_signature": true}')
    simulate("flush")
    sent = [r.body for r in listening.requests]
    code, out, _ = simulate("record", str(tmp_path / "session.jsonl"))
    assert code == 0 and out.startswith("recorded 2 deliveries")
    lines = [json.loads(line) for line in (tmp_path / "session.jsonl").read_text().splitlines()]
    assert [line["event_type"] for line in lines] == ["invitee.created", "invitee.canceled"]
    assert lines[1]["plan"] == {"corrupt_signature": True} and lines[0]["attempts"][0]["response_status"] == 200
    code, out, _ = simulate("replay", str(tmp_path / "session.jsonl"))
    assert code == 0 and out.startswith("replayed 2 recorded deliveries")
    simulate("flush")
    assert [r.body for r in listening.requests[2:]] == sent


def test_listen_refuses_event_types_the_provider_never_emits_before_registering_anything(simulate, simulator):
    code, _, err = simulate(
        "listen",
        "--forward-to",
        "http://127.0.0.1:9/hooks",
        "--provider",
        "stripe",
        "--events",
        "invitee.created",
        "--no-follow",
    )
    assert code == 1 and "unknown event types for stripe: invitee.created" in err
    assert json.loads(simulate("stripe", "state")[1])["webhook_endpoints"] == []


def test_listen_again_updates_the_endpoint_and_signs_with_the_given_secret(simulate, simulator):
    url = "http://127.0.0.1:9/hooks"
    code, out, _ = simulate("listen", "--forward-to", url, "--provider", "stripe", "--no-follow")
    assert code == 0 and "registered we_" in out
    code, out, _ = simulate(
        "listen",
        "--forward-to",
        url,
        "--provider",
        "stripe",
        "--secret",
        "whsec_mine",
        "--events",
        "charge.refunded",
        "--no-follow",
    )
    assert code == 0 and "updated we_" in out and "signing secret: whsec_mine" in out
    [endpoint] = json.loads(simulate("stripe", "state")[1])["webhook_endpoints"]
    assert endpoint["enabled_events"] == ["charge.refunded"] and endpoint["secrets"][0]["secret"] == "whsec_mine"
