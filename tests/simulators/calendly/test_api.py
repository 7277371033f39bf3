"""Calendly API v2 as the simulator serves it, over real HTTP: auth, reads, pagination, errors."""

from __future__ import annotations

import itertools
from datetime import UTC

import pytest

pytestmark = pytest.mark.calendly


def test_requests_without_a_valid_token_get_401_in_calendlys_error_shape(calendly):
    calendly.host()
    for client in (calendly.api(None), calendly.api("not-a-token")):
        response = client.get("/users/me")
        assert response.status_code == 401
        assert response.json() == {"title": "Unauthenticated", "message": "The access token is invalid"}


def test_users_me_returns_the_tokens_owner_and_users_are_readable_by_uuid(calendly, helpers):
    host = calendly.host(name="Ada Builder", email="ada@example.com", timezone="Europe/Paris")
    me = host.api.get("/users/me")
    assert me.status_code == 200
    resource = me.json()["resource"]
    assert resource["name"] == "Ada Builder" and resource["email"] == "ada@example.com"
    assert resource["timezone"] == "Europe/Paris"
    assert resource["uri"].startswith("https://api.calendly.com/users/")
    assert resource["current_organization"].startswith("https://api.calendly.com/organizations/")
    by_uuid = host.api.get(f"/users/{helpers.uuid_of(resource['uri'])}")
    assert by_uuid.json()["resource"] == resource


def test_unknown_ids_answer_404_resource_not_found(calendly):
    host = calendly.host()
    for path in (
        "/users/nope",
        "/event_types/nope",
        "/scheduled_events/nope",
        "/scheduled_events/nope/invitees",
        "/webhook_subscriptions/nope",
        "/invitee_no_shows/nope",
        "/no/such/route/at/all",
    ):
        response = host.api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {
            "title": "Resource Not Found",
            "message": "The server could not find the requested resource.",
        }


def test_bad_json_is_a_400_with_title_and_message(calendly):
    host = calendly.host()
    response = host.api.post("/invitees", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Argument"
    assert response.json()["message"]


def test_event_types_are_listed_with_calendly_pagination(calendly):
    host = calendly.host()
    names = [f"Session {n}" for n in range(5)]
    for name in names:
        calendly.event_type(host, name=name)
    seen, params = [], {"user": host.user["uri"], "count": 2}
    pages = 0
    while True:
        response = host.api.get("/event_types", params=params)
        assert response.status_code == 200
        body = response.json()
        assert set(body["pagination"]) == {
            "count",
            "next_page",
            "previous_page",
            "next_page_token",
            "previous_page_token",
        }
        assert body["pagination"]["count"] == len(body["collection"]) <= 2
        seen += [t["name"] for t in body["collection"]]
        pages += 1
        if body["pagination"]["next_page"] is None:
            assert body["pagination"]["next_page_token"] is None
            break
        assert "page_token=" in body["pagination"]["next_page"]
        params = {**params, "page_token": body["pagination"]["next_page_token"]}
    assert seen == names and pages == 3
    assert body["pagination"]["previous_page_token"] is not None


def test_event_types_need_user_or_organization_and_a_sane_count(calendly):
    host = calendly.host()
    missing = host.api.get("/event_types")
    assert missing.status_code == 400 and missing.json()["details"][0]["parameter"] == "organization"
    too_many = host.api.get("/event_types", params={"user": host.user["uri"], "count": 101})
    assert too_many.status_code == 400 and too_many.json()["details"][0]["parameter"] == "count"
    bad_token = host.api.get("/event_types", params={"user": host.user["uri"], "page_token": "garbage"})
    assert bad_token.status_code == 400


def test_event_type_resource_shape(calendly, helpers):
    host = calendly.host(slug="ada")
    created = calendly.event_type(host, name="Pathway session", duration=45, slug="pathway")
    fetched = host.api.get(f"/event_types/{helpers.uuid_of(created['uri'])}").json()["resource"]
    assert fetched == created
    assert fetched["duration"] == 45 and fetched["kind"] == "solo" and fetched["active"] is True
    assert fetched["scheduling_url"] == f"{calendly.url}/calendly/ada/pathway"
    assert fetched["profile"] == {"type": "User", "name": host.user["name"], "owner": host.user["uri"]}


def test_available_times_are_utc_spaced_by_duration_and_in_the_future(calendly):
    host = calendly.host()
    event_type = calendly.event_type(host, duration=45)
    slots = calendly.open_slots(host, event_type, days=1)
    assert len(slots) > 10
    starts = [slot["start_time"] for slot in slots]
    assert all(s.endswith("Z") and len(s) == len("2030-01-01T09:00:00.000000Z") for s in starts)
    from datetime import datetime

    parsed = [datetime.fromisoformat(s) for s in starts]
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(parsed)}
    assert gaps == {45 * 60}
    assert all(slot["status"] == "available" and slot["invitees_remaining"] == 1 for slot in slots)
    assert all(slot["scheduling_url"].startswith(event_type["scheduling_url"] + "/") for slot in slots)


def test_available_times_refuse_ranges_over_7_days_and_starts_in_the_past(calendly):
    host = calendly.host()
    event_type = calendly.event_type(host)
    now = calendly.http.get("/_sim/clock").json()["virtual_now"]
    from datetime import datetime

    def at(offset_days: float) -> str:
        return datetime.fromtimestamp(now + offset_days * 86400, UTC).isoformat()

    too_long = host.api.get(
        "/event_type_available_times",
        params={"event_type": event_type["uri"], "start_time": at(0.01), "end_time": at(7.2)},
    )
    assert too_long.status_code == 400
    assert too_long.json()["details"] == [
        {"parameter": "end_time", "message": "date range can be no greater than 1 week (7 days)"}
    ]
    past = host.api.get(
        "/event_type_available_times", params={"event_type": event_type["uri"], "start_time": at(-1), "end_time": at(1)}
    )
    assert past.status_code == 400
    assert past.json()["details"] == [{"parameter": "start_time", "message": "must be in the future"}]


def test_booked_times_disappear_and_booking_them_again_is_a_400(calendly):
    host = calendly.host()
    event_type = calendly.event_type(host)
    slot = calendly.open_slots(host, event_type)[0]["start_time"]
    calendly.book(host, event_type, slot)
    assert slot not in [s["start_time"] for s in calendly.open_slots(host, event_type)]
    again = host.api.post(
        "/invitees",
        json={
            "event_type": event_type["uri"],
            "start_time": slot,
            "invitee": {"name": "Other", "email": "other@example.com"},
        },
    )
    assert again.status_code == 400
    assert again.json()["details"][0]["parameter"] == "start_time"


def test_group_slots_count_down_invitees_remaining(calendly):
    host = calendly.host()
    group = calendly.event_type(host, name="Workshop", kind="group", invitees_limit=3)
    slot = calendly.open_slots(host, group)[0]
    assert slot["invitees_remaining"] == 3
    calendly.book(host, group, slot["start_time"], email="one@example.com")
    calendly.book(host, group, slot["start_time"], email="two@example.com")
    same = [s for s in calendly.open_slots(host, group) if s["start_time"] == slot["start_time"]]
    assert [s["invitees_remaining"] for s in same] == [1]
    calendly.book(host, group, slot["start_time"], email="three@example.com")
    assert slot["start_time"] not in [s["start_time"] for s in calendly.open_slots(host, group)]


def test_scheduled_events_filter_by_invitee_email_status_and_time(calendly, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    slots = calendly.open_slots(host, event_type)
    first = calendly.book(host, event_type, slots[0]["start_time"], email="a@example.com")
    calendly.book(host, event_type, slots[3]["start_time"], email="b@example.com")
    base = {"user": host.user["uri"]}
    by_email = host.api.get("/scheduled_events", params={**base, "invitee_email": "a@example.com"}).json()
    assert [e["uri"] for e in by_email["collection"]] == [first["event"]]
    window = host.api.get("/scheduled_events", params={**base, "min_start_time": slots[1]["start_time"]}).json()
    assert len(window["collection"]) == 1 and window["collection"][0]["start_time"] == slots[3]["start_time"]
    cancel = host.api.post(f"/scheduled_events/{helpers.uuid_of(first['event'])}/cancellation", json={"reason": "x"})
    assert cancel.status_code == 201
    canceled = host.api.get("/scheduled_events", params={**base, "status": "canceled"}).json()["collection"]
    assert [e["uri"] for e in canceled] == [first["event"]]
    assert canceled[0]["cancellation"]["canceler_type"] == "host"


def test_invitees_of_an_event_and_one_invitee_by_uuid(calendly, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    event_uuid, invitee_uuid = helpers.uuid_of(invitee["event"]), helpers.uuid_of(invitee["uri"])
    listed = host.api.get(f"/scheduled_events/{event_uuid}/invitees").json()
    assert listed["collection"] == [invitee]
    assert host.api.get(f"/scheduled_events/{event_uuid}/invitees/{invitee_uuid}").json()["resource"] == invitee
    assert host.api.get(f"/scheduled_events/{event_uuid}/invitees/nope").status_code == 404


def test_cancellation_answers_201_then_403_already_canceled(calendly, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    path = f"/scheduled_events/{helpers.uuid_of(invitee['event'])}/cancellation"
    first = host.api.post(path, json={"reason": "Host unavailable"})
    assert first.status_code == 201
    resource = first.json()["resource"]
    assert resource["canceled_by"] == host.user["name"] and resource["reason"] == "Host unavailable"
    assert resource["canceler_type"] == "host" and resource["created_at"].endswith("Z")
    again = host.api.post(path, json={"reason": "again"})
    assert again.status_code == 403
    assert again.json() == {"title": "Permission Denied", "message": "Event is already canceled"}


def test_cancelling_a_past_event_is_403_event_in_the_past(calendly, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    calendly.advance(3 * 86400)
    response = host.api.post(f"/scheduled_events/{helpers.uuid_of(invitee['event'])}/cancellation", json={})
    assert response.status_code == 403
    assert response.json()["message"] == "Event in the past"


def test_no_show_resource_create_read_delete(calendly, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    created = host.api.post("/invitee_no_shows", json={"invitee": invitee["uri"]})
    assert created.status_code == 201
    resource = created.json()["resource"]
    assert set(resource) == {"uri", "invitee", "created_at"} and resource["invitee"] == invitee["uri"]
    no_show_uuid = helpers.uuid_of(resource["uri"])
    assert host.api.get(f"/invitee_no_shows/{no_show_uuid}").json()["resource"] == resource
    assert host.api.post("/invitee_no_shows", json={"invitee": invitee["uri"]}).status_code == 400
    assert host.api.delete(f"/invitee_no_shows/{no_show_uuid}").status_code == 204
    assert host.api.get(f"/invitee_no_shows/{no_show_uuid}").status_code == 404


def test_webhook_subscriptions_create_list_get_delete_and_409_for_the_same_url(calendly, receiver, helpers):
    host = calendly.host()
    subscription = calendly.subscribe(host, receiver.url + "/calendly")
    assert subscription["state"] == "active" and subscription["retry_started_at"] is None
    assert subscription["callback_url"] == receiver.url + "/calendly"
    assert subscription["creator"] == host.user["uri"] and subscription["scope"] == "organization"
    duplicate = host.api.post(
        "/webhook_subscriptions",
        json={
            "url": receiver.url + "/calendly",
            "events": ["invitee.created"],
            "scope": "organization",
            "organization": host.user["current_organization"],
        },
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["title"] == "Already Exists"
    listed = host.api.get(
        "/webhook_subscriptions", params={"organization": host.user["current_organization"], "scope": "organization"}
    ).json()
    assert [s["uri"] for s in listed["collection"]] == [subscription["uri"]]
    uuid = helpers.uuid_of(subscription["uri"])
    assert host.api.get(f"/webhook_subscriptions/{uuid}").json()["resource"] == subscription
    assert host.api.delete(f"/webhook_subscriptions/{uuid}").status_code == 204
    assert host.api.get(f"/webhook_subscriptions/{uuid}").status_code == 404


def test_webhook_subscription_validation(calendly):
    host = calendly.host()
    org = host.user["current_organization"]
    cases = [
        ({"url": "ftp://x", "events": ["invitee.created"], "organization": org, "scope": "organization"}, "url"),
        ({"url": "http://x", "events": [], "organization": org, "scope": "organization"}, "events"),
        ({"url": "http://x", "events": ["invitee.exploded"], "organization": org, "scope": "organization"}, "events"),
        ({"url": "http://x", "events": ["invitee.created"], "organization": org, "scope": "user"}, "user"),
        (
            {
                "url": "http://x",
                "events": ["routing_form_submission.created"],
                "organization": org,
                "scope": "user",
                "user": host.user["uri"],
            },
            "events",
        ),
        (
            {"url": "http://x", "events": ["invitee.created"], "organization": "nope", "scope": "organization"},
            "organization",
        ),
    ]
    for body, parameter in cases:
        response = host.api.post("/webhook_subscriptions", json=body)
        assert response.status_code == 400, body
        assert response.json()["details"][0]["parameter"] == parameter


def test_rate_limit_answers_429_with_rate_limit_headers_until_the_window_passes(calendly):
    host = calendly.host()
    assert (
        calendly.control("POST", "/config", json={"rate_limit": {"limit": 2, "window_seconds": 60}}).status_code == 200
    )
    first, second, third = (host.api.get("/users/me") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(third.headers["X-RateLimit-Reset"]) <= 60
    assert third.json()["title"] == "Too Many Requests"
    calendly.advance(61)
    assert host.api.get("/users/me").status_code == 200
    calendly.control("POST", "/config", json={"rate_limit": None})
    assert "X-RateLimit-Limit" not in host.api.get("/users/me").headers


def test_fail_next_makes_the_api_answer_an_outage_status(calendly):
    host = calendly.host()
    calendly.control("POST", "/config", json={"fail_next": {"status": 503, "times": 2}})
    statuses = [host.api.get("/users/me").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
