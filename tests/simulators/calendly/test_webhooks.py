"""Calendly webhooks from the simulator: every event type, signed over the raw bytes, shaped as Calendly's."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from harness import http_clients

pytestmark = [pytest.mark.calendly, pytest.mark.webhook]

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
INVITEE_FIELDS = {
    "uri": str,
    "email": str,
    "name": str,
    "first_name": (str, type(None)),
    "last_name": (str, type(None)),
    "status": str,
    "timezone": (str, type(None)),
    "event": str,
    "created_at": str,
    "updated_at": str,
    "tracking": dict,
    "text_reminder_number": (str, type(None)),
    "rescheduled": bool,
    "old_invitee": (str, type(None)),
    "new_invitee": (str, type(None)),
    "cancel_url": str,
    "reschedule_url": str,
    "questions_and_answers": list,
    "routing_form_submission": (str, type(None)),
    "payment": type(None),
    "no_show": (dict, type(None)),
    "reconfirmation": type(None),
    "scheduled_event": dict,
}
EVENT_FIELDS = {
    "uri": str,
    "name": str,
    "status": str,
    "start_time": str,
    "end_time": str,
    "event_type": str,
    "location": dict,
    "invitees_counter": dict,
    "created_at": str,
    "updated_at": str,
    "event_memberships": list,
    "event_guests": list,
}


@pytest.fixture
def booked(calendly, receiver):
    """A host subscribed (organization scope, all events) with one booking delivered."""
    host = calendly.host(name="Ada Builder")
    event_type = calendly.event_type(host, name="Intro call", duration=30)
    calendly.subscribe(host, receiver.url + "/hooks/calendly")
    invitee = calendly.book(
        host,
        event_type,
        calendly.open_slots(host, event_type)[0]["start_time"],
        tracking={"utm_source": "newsletter", "utm_campaign": "spring"},
        questions_and_answers=[{"question": "Pathway", "answer": "Frontend", "position": 0}],
    )
    calendly.flush()
    return host, event_type, invitee


def bodies(receiver, helpers, count: int) -> list[dict]:
    return [helpers.assert_signed(r) for r in receiver.wait_for(count)[:count]]


def test_invitee_created_is_signed_over_the_raw_bytes_and_carries_the_whole_invitee(booked, receiver, helpers):
    host, event_type, _invitee = booked
    request = receiver.wait_for(1)[0]
    assert request.path == "/hooks/calendly"
    assert request.headers["Content-Type"] == "application/json"
    body = helpers.assert_signed(request)
    assert set(body) == {"event", "created_at", "created_by", "payload"}
    assert body["event"] == "invitee.created" and body["created_by"] == host.user["uri"]
    assert TIMESTAMP.match(body["created_at"])
    payload = body["payload"]
    for name, kind in INVITEE_FIELDS.items():
        assert name in payload, name
        assert isinstance(payload[name], kind), (name, payload[name])
    assert "cancellation" not in payload
    assert payload["status"] == "active" and payload["rescheduled"] is False
    assert payload["tracking"] == {
        "utm_campaign": "spring",
        "utm_source": "newsletter",
        "utm_medium": None,
        "utm_content": None,
        "utm_term": None,
        "salesforce_uuid": None,
    }
    assert payload["questions_and_answers"] == [{"question": "Pathway", "answer": "Frontend", "position": 0}]
    event = payload["scheduled_event"]
    for name, kind in EVENT_FIELDS.items():
        assert isinstance(event[name], kind), name
    assert event["uri"] == payload["event"] and event["event_type"] == event_type["uri"]
    assert event["invitees_counter"] == {"total": 1, "active": 1, "limit": 1}
    assert event["event_memberships"] == [
        {"user": host.user["uri"], "user_email": host.user["email"], "user_name": "Ada Builder"}
    ]
    for stamp in (payload["created_at"], payload["updated_at"], event["start_time"], event["end_time"]):
        assert TIMESTAMP.match(stamp)
    assert payload["uri"] == f"{event['uri']}/invitees/{helpers.uuid_of(payload['uri'])}"


def test_the_webhook_and_a_later_get_agree(booked, receiver, helpers):
    host, _, invitee = booked
    payload = bodies(receiver, helpers, 1)[0]["payload"]
    event_uuid, invitee_uuid = helpers.uuid_of(payload["event"]), helpers.uuid_of(payload["uri"])
    fetched = host.api.get(f"/scheduled_events/{event_uuid}/invitees/{invitee_uuid}").json()["resource"]
    event = host.api.get(f"/scheduled_events/{event_uuid}").json()["resource"]
    embedded = payload.pop("scheduled_event")
    assert {k: fetched[k] for k in payload} == payload
    assert embedded == event
    assert fetched == invitee


def test_a_tampered_body_no_longer_matches_its_signature(booked, receiver, helpers):
    request = receiver.wait_for(1)[0]
    header = dict(i.split("=", 1) for i in request.headers["Calendly-Webhook-Signature"].split(","))
    reserialised = json.dumps(json.loads(request.body)).encode()  # the classic mistake: verify re-encoded JSON
    assert reserialised != request.body
    assert helpers.expected_signature(reserialised, header["t"]) != header["v1"]


def test_invitee_cancel_from_control_fires_invitee_canceled(calendly, booked, receiver, helpers):
    _, _, invitee = booked
    response = calendly.control(
        "POST", f"/invitees/{helpers.uuid_of(invitee['uri'])}/cancel", json={"by": "invitee", "reason": "Clash"}
    )
    assert response.status_code == 200
    calendly.flush()
    body = bodies(receiver, helpers, 2)[1]
    assert body["event"] == "invitee.canceled"
    payload = body["payload"]
    assert payload["status"] == "canceled" and payload["rescheduled"] is False
    assert payload["cancellation"]["canceler_type"] == "invitee"
    assert payload["cancellation"]["canceled_by"] == invitee["name"]
    assert payload["cancellation"]["reason"] == "Clash"
    assert TIMESTAMP.match(payload["cancellation"]["created_at"])
    assert payload["scheduled_event"]["status"] == "canceled"
    assert payload["scheduled_event"]["cancellation"] == payload["cancellation"]


def test_api_cancellation_fires_invitee_canceled_by_the_host(calendly, booked, receiver, helpers):
    host, _, invitee = booked
    response = host.api.post(
        f"/scheduled_events/{helpers.uuid_of(invitee['event'])}/cancellation", json={"reason": "Sick"}
    )
    assert response.status_code == 201
    calendly.flush()
    payload = bodies(receiver, helpers, 2)[1]["payload"]
    assert payload["cancellation"] == response.json()["resource"]
    assert payload["cancellation"]["canceler_type"] == "host"
    assert payload["cancellation"]["canceled_by"] == "Ada Builder"


@pytest.mark.parametrize("order", ["canceled_first", "created_first"])
def test_reschedule_sends_a_canceled_rescheduled_invitee_and_a_created_one_in_the_asked_order(
    calendly, booked, receiver, helpers, order
):
    host, event_type, invitee = booked
    new_start = calendly.open_slots(host, event_type)[5]["start_time"]
    response = calendly.control(
        "POST",
        f"/invitees/{helpers.uuid_of(invitee['uri'])}/reschedule",
        json={"start_time": new_start, "order": order},
    )
    assert response.status_code == 200, response.text
    calendly.flush()
    first, second = bodies(receiver, helpers, 3)[1:]
    assert [first["event"], second["event"]] == (
        ["invitee.canceled", "invitee.created"]
        if order == "canceled_first"
        else ["invitee.created", "invitee.canceled"]
    )
    canceled = first if first["event"] == "invitee.canceled" else second
    created = second if canceled is first else first
    assert canceled["payload"]["uri"] == invitee["uri"]
    assert canceled["payload"]["rescheduled"] is True
    assert canceled["payload"]["new_invitee"] == created["payload"]["uri"]
    assert created["payload"]["old_invitee"] == invitee["uri"]
    assert created["payload"]["rescheduled"] is False
    assert created["payload"]["event"] != invitee["event"]
    assert created["payload"]["scheduled_event"]["start_time"] == new_start
    assert created["payload"]["tracking"]["utm_source"] == "newsletter"


def test_reschedule_without_an_order_follows_the_seed(calendly, booked, helpers):
    host, event_type, invitee = booked
    response = calendly.control(
        "POST",
        f"/invitees/{helpers.uuid_of(invitee['uri'])}/reschedule",
        json={"start_time": calendly.open_slots(host, event_type)[2]["start_time"]},
    )
    assert response.status_code == 200
    assert response.json()["old_invitee"]["new_invitee"] == response.json()["resource"]["uri"]


def test_group_event_sends_one_invitee_created_per_invitee(calendly, receiver, helpers):
    host = calendly.host()
    group = calendly.event_type(host, name="Workshop", kind="group", invitees_limit=5)
    calendly.subscribe(host, receiver.url + "/hooks")
    start = calendly.open_slots(host, group)[0]["start_time"]
    emails = ["one@example.com", "two@example.com", "three@example.com"]
    for email in emails:
        calendly.book(host, group, start, email=email)
    calendly.flush()
    received = bodies(receiver, helpers, 3)
    assert len(receiver.requests) == 3
    assert [b["event"] for b in received] == ["invitee.created"] * 3
    assert [b["payload"]["email"] for b in received] == emails
    assert len({b["payload"]["event"] for b in received}) == 1
    assert [b["payload"]["scheduled_event"]["invitees_counter"] for b in received] == [
        {"total": n, "active": n, "limit": 5} for n in (1, 2, 3)
    ]


def test_no_show_created_and_deleted_carry_the_whole_invitee(calendly, booked, receiver, helpers):
    host, _, invitee = booked
    created = host.api.post("/invitee_no_shows", json={"invitee": invitee["uri"]}).json()["resource"]
    calendly.flush()
    assert host.api.delete(f"/invitee_no_shows/{helpers.uuid_of(created['uri'])}").status_code == 204
    calendly.flush()
    _, marked, unmarked = bodies(receiver, helpers, 3)
    assert marked["event"] == "invitee_no_show.created"
    assert marked["payload"]["uri"] == invitee["uri"]
    assert marked["payload"]["no_show"] == {"uri": created["uri"], "created_at": created["created_at"]}
    assert "invitee" not in marked["payload"] and "scheduled_event" in marked["payload"]
    assert unmarked["event"] == "invitee_no_show.deleted"
    assert unmarked["payload"]["uri"] == invitee["uri"] and unmarked["payload"]["no_show"] is None


def test_routing_form_submission_fires_and_a_following_booking_links_it(calendly, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/hooks")
    form = calendly.control(
        "POST",
        "/routing_forms",
        json={"name": "Which pathway?", "questions": [{"name": "Pathway", "answer_choices": ["Frontend", "Data"]}]},
    )
    assert form.status_code == 201
    form_uuid = helpers.uuid_of(form.json()["resource"]["uri"])
    start = calendly.open_slots(host, event_type)[0]["start_time"]
    response = calendly.control(
        "POST",
        f"/routing_forms/{form_uuid}/submissions",
        json={
            "answers": {"Pathway": "Data"},
            "tracking": {"utm_medium": "email"},
            "booking": {
                "event_type": event_type["uri"],
                "start_time": start,
                "invitee": {"name": "Rae Router", "email": "rae@example.com", "timezone": "UTC"},
            },
        },
    )
    assert response.status_code == 201, response.text
    calendly.flush()
    created, submitted = bodies(receiver, helpers, 2)  # the booking is announced first, then the submission
    assert created["event"] == "invitee.created"
    assert submitted["event"] == "routing_form_submission.created"
    payload = submitted["payload"]
    assert set(payload) == {
        "uri",
        "routing_form",
        "questions_and_answers",
        "tracking",
        "result",
        "submitter",
        "submitter_type",
        "created_at",
        "updated_at",
    }
    question = form.json()["resource"]["questions"][0]
    assert payload["questions_and_answers"] == [
        {"question_uuid": question["uuid"], "question": "Pathway", "answer": "Data"}
    ]
    assert payload["result"] == {"type": "event_type", "value": event_type["uri"]}
    assert payload["submitter"] == created["payload"]["uri"] and payload["submitter_type"] == "Invitee"
    assert payload["tracking"]["utm_medium"] == "email"
    assert created["payload"]["routing_form_submission"] == payload["uri"]
    assert response.json()["invitee"]["uri"] == payload["submitter"]
    later = host.api.get(f"/routing_form_submissions/{helpers.uuid_of(payload['uri'])}").json()["resource"]
    assert later["submitter"] == created["payload"]["uri"] and later["submitter_type"] == "Invitee"


@pytest.fixture
def goal_form(calendly, receiver, helpers):
    """A host with an event type, subscribed to every event, and a one-question routing form."""
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/hooks")
    form = calendly.control("POST", "/routing_forms", json={"name": "Which pathway?", "questions": [{"name": "Goal"}]})
    return host, event_type, form.json()["resource"]["uri"], helpers.uuid_of(form.json()["resource"]["uri"])


def test_a_routing_form_submission_without_a_booking_has_no_submitter(calendly, receiver, helpers, goal_form):
    _host, event_type, _form_uri, form_uuid = goal_form
    response = calendly.control(
        "POST",
        f"/routing_forms/{form_uuid}/submissions",
        json={"answers": {"Goal": "Look around"}, "event_type": event_type["uri"]},
    )
    assert response.status_code == 201, response.text
    calendly.flush()
    (submitted,) = bodies(receiver, helpers, 1)
    assert submitted["event"] == "routing_form_submission.created"
    assert submitted["payload"]["submitter"] is None and submitted["payload"]["submitter_type"] is None
    assert "invitee" not in response.json()


def test_a_routing_form_booking_of_a_taken_slot_stores_and_announces_nothing(calendly, receiver, helpers, goal_form):
    host, event_type, form_uri, form_uuid = goal_form
    start = calendly.open_slots(host, event_type)[0]["start_time"]
    booking = {
        "event_type": event_type["uri"],
        "start_time": start,
        "invitee": {"name": "First Comer", "email": "first@example.com", "timezone": "UTC"},
    }
    first = calendly.control(
        "POST", f"/routing_forms/{form_uuid}/submissions", json={"answers": {"Goal": "Data"}, "booking": booking}
    )
    assert first.status_code == 201, first.text
    calendly.flush()
    bodies(receiver, helpers, 2)
    second = calendly.control(
        "POST",
        f"/routing_forms/{form_uuid}/submissions",
        json={
            "answers": {"Goal": "Data"},
            "booking": booking | {"invitee": {"name": "Late Comer", "email": "late@example.com", "timezone": "UTC"}},
        },
    )
    assert second.status_code >= 400, second.text
    calendly.flush()
    listed = host.api.get("/routing_form_submissions", params={"form": form_uri}).json()
    assert len(listed["collection"]) == 1
    assert len(receiver.requests) == 2


def test_user_scope_only_receives_its_own_hosts_events(calendly, receiver, helpers):
    mine, other = calendly.host(name="Mine"), calendly.host(name="Other")
    calendly.subscribe(mine, receiver.url + "/mine", scope="user", events=["invitee.created"])
    for host in (other, mine):
        event_type = calendly.event_type(host)
        calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    calendly.flush()
    received = bodies(receiver, helpers, 1)
    assert len(receiver.requests) == 1
    assert received[0]["payload"]["scheduled_event"]["event_memberships"][0]["user"] == mine.user["uri"]


def test_overlapping_subscriptions_each_get_a_copy_signed_with_their_own_key(calendly, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/org", signing_key="key-one")
    calendly.subscribe(host, receiver.url + "/user", scope="user", signing_key="key-two", events=["invitee.created"])
    calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    calendly.flush()
    requests = {r.path: r for r in receiver.wait_for(2)}
    first = helpers.assert_signed(requests["/org"], key="key-one")
    second = helpers.assert_signed(requests["/user"], key="key-two")
    assert first["payload"] == second["payload"]


def test_without_a_signing_key_deliveries_are_unsigned(calendly, receiver):
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/hooks", signing_key=None)
    calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    calendly.flush()
    assert "Calendly-Webhook-Signature" not in receiver.wait_for(1)[0].headers


def test_wrong_key_plan_signs_with_a_key_the_receiver_does_not_know(calendly, booked, receiver, helpers):
    _host, _, invitee = booked
    plan = calendly.http.post("/_sim/plans", json={"provider": "calendly", "plan": {"wrong_key": True}})
    assert plan.status_code == 201
    calendly.control("POST", f"/invitees/{helpers.uuid_of(invitee['uri'])}/cancel", json={"by": "invitee"})
    calendly.flush()
    with pytest.raises(AssertionError):
        helpers.assert_signed(receiver.wait_for(2)[1])


@pytest.mark.parametrize("shape", ["rest_no_show", "payload_missing", "payload_not_object"])
def test_wrong_shape_variants(calendly, booked, receiver, helpers, shape):
    host, _, invitee = booked
    calendly.http.post(
        "/_sim/plans",
        json={"provider": "calendly", "event_type": "invitee_no_show.created", "plan": {"wrong_shape": shape}},
    )
    no_show = host.api.post("/invitee_no_shows", json={"invitee": invitee["uri"]}).json()["resource"]
    calendly.flush()
    body = helpers.assert_signed(receiver.wait_for(2)[1])
    assert body["event"] == "invitee_no_show.created"
    if shape == "rest_no_show":
        assert body["payload"] == no_show
    elif shape == "payload_missing":
        assert "payload" not in body
    else:
        assert not isinstance(body["payload"], dict)


def test_subscription_is_disabled_after_a_day_of_failures(calendly, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    subscription = calendly.subscribe(host, receiver.url + "/down")
    uuid = helpers.uuid_of(subscription["uri"])
    receiver.default_status = 500
    calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    first = calendly.flush()
    assert [a["response_status"] for a in first] == [500]
    after_first = host.api.get(f"/webhook_subscriptions/{uuid}").json()["resource"]
    assert after_first["state"] == "active"
    assert after_first["retry_started_at"] is not None and TIMESTAMP.match(after_first["retry_started_at"])
    attempts = 1
    for _ in range(25):
        attempts += len(calendly.advance(3600))
    resource = host.api.get(f"/webhook_subscriptions/{uuid}").json()["resource"]
    assert attempts > 5
    assert resource["state"] == "disabled"
    assert resource["retry_started_at"] == after_first["retry_started_at"]
    # a disabled subscription receives nothing more
    receiver.default_status = 200
    calendly.book(host, event_type, calendly.open_slots(host, event_type)[1]["start_time"])
    assert calendly.flush() == []


def test_retry_started_at_clears_once_deliveries_succeed_again(calendly, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    uuid = helpers.uuid_of(calendly.subscribe(host, receiver.url + "/flaky")["uri"])
    receiver.respond_with(503)
    calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    calendly.flush()
    assert host.api.get(f"/webhook_subscriptions/{uuid}").json()["resource"]["retry_started_at"] is not None
    retried = calendly.advance(120)
    assert [a["response_status"] for a in retried] == [200]
    resource = host.api.get(f"/webhook_subscriptions/{uuid}").json()["resource"]
    assert resource["retry_started_at"] is None and resource["state"] == "active"


def test_automatic_delivery_sends_without_a_flush(auto_simulator, receiver, helpers):
    with http_clients.client(base_url=auto_simulator.url, timeout=30) as http:
        user = http.post("/_sim/calendly/users", json={"timezone": "UTC"}).json()
        http.put(
            "/_sim/calendly/availability", json={"user": user["resource"]["uri"], "weekly_hours": helpers.ALWAYS_OPEN}
        )
        event_type = http.post(
            "/_sim/calendly/event_types", json={"user": user["resource"]["uri"], "name": "Intro"}
        ).json()["resource"]
        api = {"Authorization": f"Bearer {user['token']}"}
        http.post(
            "/calendly/webhook_subscriptions",
            headers=api,
            json={
                "url": receiver.url + "/hooks",
                "events": ["invitee.created"],
                "organization": user["organization"],
                "scope": "organization",
                "signing_key": helpers.SIGNING_KEY,
            },
        )
        start = (datetime.now(UTC) + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        booked = http.post(
            "/calendly/invitees",
            headers=api,
            json={
                "event_type": event_type["uri"],
                "start_time": start.isoformat(),
                "invitee": {"name": "Auto", "email": "auto@example.com"},
            },
        )
        assert booked.status_code == 201, booked.text
    body = helpers.assert_signed(receiver.wait_for(1, timeout=10)[0])
    assert body["payload"]["uri"] == booked.json()["resource"]["uri"]


@pytest.mark.concurrency
def test_concurrent_bookings_of_one_solo_slot_let_exactly_one_through(calendly):
    host = calendly.host()
    event_type = calendly.event_type(host)
    start = calendly.open_slots(host, event_type)[0]["start_time"]
    body = {"event_type": event_type["uri"], "start_time": start}

    def attempt(n: int) -> int:
        with http_clients.client(
            base_url=f"{calendly.url}/calendly", timeout=30, headers={"Authorization": f"Bearer {host.token}"}
        ) as client:
            invitee = {"name": f"Racer {n}", "email": f"racer{n}@example.com"}
            return client.post("/invitees", json={**body, "invitee": invitee}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [201] + [400] * 7
