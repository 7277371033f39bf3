"""What the API fuzzer found in the operator API, kept as plain regression tests (each once answered 500)."""

from __future__ import annotations

import pytest

from tests.app.web_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    ADMIN_TOKEN,
    browser,
    make_web_app,
    stats,
    web_app,
)

pytestmark = [pytest.mark.database, pytest.mark.validation]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BUILDER = {"name": "Lin Wu", "timezone": "Asia/Tokyo", "email": "lin@example.com"}


@pytest.mark.parametrize(
    "change",
    [
        {"slug": 2376523},
        {"name": 5},
        {"timezone": ["UTC"]},
        {"skills": "go"},
        {"skills": [1]},
        {"email": None},
        {"name": "x" * 121},
        {"headline": "new\nline"},
        {"calendly_user_uri": "u" * 256},
        {"session_types": 5},
        {"session_types": None},
    ],
)
def test_a_builder_with_a_wrong_type_or_size_is_a_422(browser, change):
    before = stats(browser)
    response = browser.post("/admin/api/builders", json={**BUILDER, **change}, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_builder"
    assert stats(browser) == before


@pytest.mark.parametrize(
    "change", [{"price_cents": 10**12}, {"currency": 840}, {"kind": None}, {"duration_minutes": True}, {"name": ""}]
)
def test_a_session_type_with_a_wrong_value_is_a_422(browser, change):
    spec = {"name": "Deep dive", "kind": "paid", "duration_minutes": 60, "price_cents": 5000, **change}
    response = browser.post("/admin/api/builders/ada-stone/session_types", json=spec, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize("minutes", [0, 10, 20, 50, 490, 495])
def test_a_session_length_calendly_cannot_offer_is_refused_with_what_it_takes(browser, minutes):
    spec = {"name": "Deep dive", "kind": "free", "duration_minutes": minutes, "price_cents": 0}
    response = browser.post("/admin/api/builders/ada-stone/session_types", json=spec, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "multiple of 15 between 15 and 480" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("minutes", [15, 45, 480])
def test_a_session_length_in_quarter_hours_up_to_eight_hours_is_taken(browser, minutes):
    spec = {"name": f"Slot {minutes}", "kind": "free", "duration_minutes": minutes, "price_cents": 0}
    response = browser.post("/admin/api/builders/ada-stone/session_types", json=spec, headers=AUTH)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_second_pathway_with_the_same_slug_is_refused_not_a_500(browser):
    assert browser.post("/admin/api/pathways", json={"name": "Design"}, headers=AUTH).status_code == 201
    again = browser.post("/admin/api/pathways", json={"name": "Design"}, headers=AUTH)
    assert again.status_code == 422 and "already exists" in again.get_json()["error"]["message"]


def test_a_builder_reusing_a_calendly_uri_is_a_409(browser):
    uri = {"calendly_user_uri": "https://api.calendly.com/users/ABC"}
    assert browser.post("/admin/api/builders", json={**BUILDER, **uri}, headers=AUTH).status_code == 201
    other = {**BUILDER, "name": "Other Person", **uri}
    assert browser.post("/admin/api/builders", json=other, headers=AUTH).status_code == 409


@pytest.mark.parametrize(
    "path", ["/admin/api/mail/25783902342434573516800/retry", "/admin/api/webhooks/2147483648/replay"]
)
def test_an_id_beyond_any_row_is_a_404(browser, path):
    assert browser.post(path, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "path", ["/admin/api/webhooks/process-due", "/admin/api/mail/send-due", "/admin/api/payments/expire-holds"]
)
def test_a_body_that_is_not_a_json_object_is_a_422(browser, path):
    response = browser.post(path, json=[1, 2], headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_body"


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("/admin/api/builders", "invalid_builder", "expected a JSON object"),
        ("/admin/api/payments/expire-holds", "invalid_body", "The body must be a JSON object."),
    ],
)
def test_a_body_that_claims_json_but_does_not_parse_is_a_422_saying_what_it_takes(browser, path, code, message):
    before = stats(browser)
    body = '{"name": "Lin Wu", '
    response = browser.post(path, data=body, content_type="application/json", headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {"code": code, "message": message}
    assert stats(browser) == before


@pytest.mark.parametrize("route", ["/admin/api/pathways", "/admin/api/builders"])
def test_an_empty_slug_is_refused_not_replaced(browser, route):
    body = {"name": "Design", "slug": ""} if route.endswith("pathways") else {**BUILDER, "slug": ""}
    response = browser.post(route, json=body, headers=AUTH)
    assert response.status_code == 422


@pytest.mark.parametrize("hours", [5e-324, 0.009, 0, 337])
def test_a_reminder_window_too_small_to_hold_a_second_is_a_422(browser, hours):
    response = browser.post("/admin/api/mail/send-reminders", json={"within_hours": hours}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_window"


@pytest.mark.parametrize("as_of", ["tomorrow", "2026-12-07T10:00:00", 1765101600])
def test_an_as_of_that_is_not_an_instant_with_an_offset_is_a_422_that_says_what_it_takes(browser, as_of):
    response = browser.post("/admin/api/payments/expire-holds", json={"as_of": as_of}, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {
        "code": "invalid_as_of",
        "message": "as_of must be an ISO-8601 instant with an offset",
    }


def test_a_payments_call_without_stripe_configured_is_a_409_that_says_so(db_url):
    app = make_web_app(db_url, stripe_secret_key="")
    try:
        response = app.test_client().post("/admin/api/payments/issue-refunds", headers=AUTH)
    finally:
        app.extensions["booking_db"].dispose()
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["error"] == {
        "code": "payments_not_configured",
        "message": "Paid sessions cannot be booked yet: payments are not configured.",
    }


@pytest.mark.parametrize("body", ["[1, 2]", '"expire"', "3"])
def test_a_body_that_is_not_a_json_object_is_a_422_that_says_so(browser, body):
    response = browser.post(
        "/admin/api/payments/expire-holds", data=body, content_type="application/json", headers=AUTH
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {"code": "invalid_body", "message": "The body must be a JSON object."}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": None}, "email must be a string"),
        ({"email": "e" * 255}, "email must be at most 254 characters"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone 'Mars/Olympus_Mons' is not an IANA time zone"),
        ({"email": "lin.example.com"}, "email must be an email address"),
        ({"bio": "b" * 10_001}, "bio must be at most 10000 characters"),
        ({"name": "   ", "slug": "lin-wu"}, "name is required"),
    ],
)
def test_a_refused_builder_names_the_field_and_what_it_takes(browser, change, message):
    before = stats(browser)
    response = browser.post("/admin/api/builders", json={**BUILDER, **change}, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {"code": "invalid_builder", "message": message}
    assert stats(browser) == before


def test_a_bio_of_ten_thousand_characters_is_taken_whole(browser):
    bio = "b" * 10_000
    response = browser.post("/admin/api/builders", json={**BUILDER, "bio": bio}, headers=AUTH)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert bio in browser.get(f"/builders/{response.get_json()['slug']}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "n" * 121}, "name must be at most 120 characters"),
        ({"name": 5}, "name must be a string"),
        ({"slug": "Deep Dive"}, "session type slug must be lower-case letters, digits and dashes"),
        ({"slug": 5}, "slug must be a string"),
        ({"slug": "s" * 81}, "slug must be at most 80 characters"),
        ({"duration_minutes": True}, "duration_minutes and price_cents must be integers"),
        ({"price_cents": False}, "duration_minutes and price_cents must be integers"),
    ],
)
def test_a_refused_session_type_names_the_field_and_what_it_takes(browser, change, message):
    before = stats(browser)
    spec = {"name": "Deep dive", "kind": "free", "duration_minutes": 60, "price_cents": 0, **change}
    response = browser.post("/admin/api/builders/ada-stone/session_types", json=spec, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {"code": "invalid_session_type", "message": message}
    assert stats(browser) == before


@pytest.mark.parametrize("currency", ["USD", "us1", "€ur"])
def test_a_session_type_with_a_currency_that_is_not_an_iso_code_says_what_it_takes(browser, currency):
    spec = {"name": "Deep dive", "kind": "paid", "duration_minutes": 60, "price_cents": 5000, "currency": currency}
    response = browser.post("/admin/api/builders/ada-stone/session_types", json=spec, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {
        "code": "invalid_session_type",
        "message": "currency must be a three-letter lower-case ISO code, e.g. usd",
    }


def test_a_builders_bio_may_span_lines_and_is_shown_on_their_page(browser):
    bio = "Builds small tools.\nTeaches Python on Tuesdays."
    response = browser.post("/admin/api/builders", json={**BUILDER, "bio": bio}, headers=AUTH)
    assert response.status_code == 201, response.get_data(as_text=True)
    page = browser.get(f"/builders/{response.get_json()['slug']}")
    assert page.status_code == 200
    assert bio in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": 5}, "slug must be a string"),
        ({"slug": "s" * 81}, "slug must be at most 80 characters"),
        ({"description": ["Design"]}, "description must be a string"),
    ],
)
def test_a_refused_pathway_names_the_field_and_what_it_takes(browser, change, message):
    before = stats(browser)
    response = browser.post("/admin/api/pathways", json={"name": "Design", **change}, headers=AUTH)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == {"code": "invalid_pathway", "message": message}
    assert stats(browser) == before
