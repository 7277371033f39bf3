"""Hostile but ordinary input gets a precise 4xx and writes nothing (each case once answered 500 or worse)."""

from __future__ import annotations

import pytest

from app_under_test.mail import compose
from tests.app.web_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    ADMIN_TOKEN,
    FREE_PATH,
    book_free,
    browser,
    csrf_token,
    first_slot,
    sign_in,
    sign_up,
    stats,
    web_app,
)

pytestmark = [pytest.mark.database, pytest.mark.validation]
SPLIT_HEADER = "/\r\nX-Injected: 1"
ONE_LINE = "Please use letters, digits and punctuation only (no line breaks)."  # what the refused name field shows


@pytest.mark.parametrize("target", [SPLIT_HEADER, "/\nX: 1", "/ok\x7f", "/\tpath"])
def test_a_next_with_control_characters_on_sign_up_goes_home(browser, target):
    response = sign_up(browser, "cr@example.com", next_path=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers


def test_a_next_with_a_line_break_on_sign_in_goes_home_and_signs_in(browser):
    sign_up(browser, "grace@example.com")
    browser.post("/signout", data={"csrf_token": csrf_token(browser, "/signin")})
    response = sign_in(browser, "grace@example.com", next_path=SPLIT_HEADER)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers


def test_a_plain_next_is_still_followed(browser):
    response = sign_up(browser, "plain@example.com", next_path=f"{FREE_PATH}?tz=UTC")
    assert response.headers["Location"] == f"{FREE_PATH}?tz=UTC"


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "1999-12-31", "2200-01-01", "2027-02-30", "20270101"])
def test_a_week_outside_the_supported_dates_is_a_400_page(browser, week):
    response = browser.get(FREE_PATH, query_string={"week": week})
    assert response.status_code == 400
    assert 'data-error-code="invalid_week"' in response.get_data(as_text=True)


def test_a_week_inside_the_supported_dates_shows_that_week(browser):
    response = browser.get(FREE_PATH, query_string={"week": "2199-12-25", "tz": "UTC"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "slot", ["9999-12-31T23:45:00Z", "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "2199-12-31T23:45:00-14:00"]
)
def test_booking_a_slot_at_the_edges_of_time_is_refused_and_writes_nothing(browser, slot):
    before = stats(browser)
    response = book_free(browser, slot=slot)
    assert response.status_code == 422
    assert stats(browser) == before


@pytest.mark.parametrize("slot", ["2027-03-15T14:00:00", "next tuesday", "2027-03-15T14:00:00+01:00 "])
def test_a_slot_that_is_not_an_instant_asks_to_pick_a_listed_time_and_writes_nothing(browser, slot):
    before = stats(browser)
    response = book_free(browser, slot=slot)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="field-error" id="slot-error">Please pick one of the listed times.</p>' in page
    assert stats(browser) == before


@pytest.mark.parametrize(
    "name", ["Eve\r\nBcc: all@example.com", "Eve\nSmith", "Eve\u2028Smith", "Eve\u2029Smith", "Eve\x07"]
)
def test_a_booking_name_with_a_line_break_is_refused_and_writes_nothing(browser, name):
    before = stats(browser)
    response = book_free(browser, name=name)
    assert response.status_code == 422
    assert f'<p class="field-error" id="name-error">{ONE_LINE}</p>' in response.get_data(as_text=True)
    assert stats(browser) == before


@pytest.mark.parametrize(
    ("name", "email", "field", "message"),
    [
        ("", "grace@example.com", "name", "Please enter your name."),
        ("  ", "grace@example.com", "name", "Please enter your name."),
        ("Grace Hopper", "", "email", "Please enter your email address."),
    ],
)
def test_a_visitor_booking_without_a_name_or_email_is_asked_for_it_and_nothing_is_written(
    browser, name, email, field, message
):
    before = stats(browser)
    response = book_free(browser, name=name, email=email)
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.get_data(as_text=True)
    assert stats(browser) == before


@pytest.mark.parametrize("where", ["query", "form", "form field name", "path"])
def test_a_nul_character_anywhere_is_a_400_before_any_view_runs(browser, where):
    before = stats(browser)
    if where == "query":
        response = browser.get("/", query_string={"q": "py\x00thon"})
    elif where == "path":
        response = browser.get("/builders/ada%00stone")
    elif where == "form field name":  # a whole valid booking, plus one field whose name holds the character
        form = {
            "csrf_token": csrf_token(browser, FREE_PATH),
            "slot": first_slot(browser),
            "timezone": "UTC",
            "name": "Eve",
            "email": "eve@example.com",
            "note\x00": "x",
        }
        response = browser.post(f"{FREE_PATH}/book", data=form)
    else:
        response = book_free(browser, name="Eve\x00")
    assert response.status_code == 400
    assert 'data-error-code="invalid_characters"' in response.get_data(as_text=True)
    assert stats(browser) == before


def test_a_nul_in_a_path_that_no_page_answers_is_still_a_400_naming_the_character(browser):
    response = browser.get("/no%00such/page", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_characters"


def test_a_nul_in_an_operator_json_body_is_a_400_with_a_json_reason(browser):
    response = browser.post(
        "/admin/api/pathways", json={"name": "Found\x00ers"}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_characters"


def test_a_nul_in_any_value_of_a_repeated_query_parameter_is_a_400(browser):
    response = browser.get("/", query_string=[("q", "python"), ("q", "py\x00thon")])
    assert response.status_code == 400
    assert 'data-error-code="invalid_characters"' in response.get_data(as_text=True)


def test_a_nul_inside_a_list_in_an_operator_json_body_is_a_400_and_writes_nothing(browser):
    before = stats(browser)
    builder = {"name": "Lin Wu", "timezone": "Asia/Tokyo", "email": "lin@example.com", "skills": ["go", "ru\x00st"]}
    response = browser.post("/admin/api/builders", json=builder, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_characters"
    assert stats(browser) == before


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_nul_in_a_form_body_is_a_400_whatever_the_writing_method(browser, method):
    response = browser.open("/", method=method, data={"q": "py\x00thon"})
    assert response.status_code == 400
    assert 'data-error-code="invalid_characters"' in response.get_data(as_text=True)


def test_a_nul_in_the_second_value_of_a_repeated_form_field_is_a_400_and_books_nothing(browser):
    before = stats(browser)
    response = browser.post(
        f"{FREE_PATH}/book",
        data={
            "csrf_token": csrf_token(browser, FREE_PATH),
            "slot": first_slot(browser),
            "timezone": "UTC",
            "name": ["Grace Hopper", "Eve\x00"],
            "email": "grace@example.com",
        },
    )
    assert response.status_code == 400
    assert 'data-error-code="invalid_characters"' in response.get_data(as_text=True)
    assert stats(browser) == before


def test_a_sign_up_name_with_a_line_break_is_refused(browser):
    response = sign_up(browser, "eve@example.com", name="Eve\r\nBcc: x@example.com")
    assert response.status_code == 422
    assert f'<p class="field-error">{ONE_LINE}</p>' in response.get_data(as_text=True)
    assert stats(browser)["clients"] == 0


def test_a_mail_never_carries_a_line_break_in_a_name_whatever_its_source():
    assert compose.display_name("Eve\r\nBcc: all@example.com", "eve@example.com") == "Eve Bcc: all@example.com"
    assert compose.display_name(" \n ", "eve@example.com") == "eve@example.com"
    assert compose.one_line("Deep\ndive") == "Deep dive"


@pytest.mark.parametrize("header", [f"bearer {ADMIN_TOKEN}", f"BEARER {ADMIN_TOKEN}", f"Bearer   {ADMIN_TOKEN} "])
def test_the_operator_api_takes_the_bearer_scheme_in_any_case(browser, header):
    assert browser.get("/admin/api/stats", headers={"Authorization": header}).status_code == 200


@pytest.mark.parametrize("header", [ADMIN_TOKEN, f"Basic {ADMIN_TOKEN}", "Bearer", "Bearer ", f"Token {ADMIN_TOKEN}"])
def test_the_operator_api_refuses_a_bare_token_or_another_scheme(browser, header):
    response = browser.get("/admin/api/stats", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-operator-token"}], ids=["none", "wrong"])
def test_an_operator_without_the_right_token_is_told_which_header_to_send(browser, headers):
    response = browser.get("/admin/api/stats", headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {
            "code": "unauthorized",
            "message": "A valid operator token is required (Authorization: Bearer <token>).",
        }
    }


def test_a_free_booking_that_cannot_be_paid_says_so_and_not_that_the_time_was_taken(browser):
    booked = book_free(browser)
    public_id = booked.headers["Location"].rsplit("/", 1)[1]
    response = browser.post(f"/bookings/{public_id}/pay", data={"csrf_token": csrf_token(browser, "/signin")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is nothing to pay" in page
    assert "That time was just taken" not in page


def test_a_taken_slot_still_says_the_time_was_taken(browser, web_app):
    slot = first_slot(browser)
    assert book_free(browser, slot=slot).status_code == 303
    other = web_app.test_client()
    response = book_free(other, slot=slot, email="late@example.com")
    assert response.status_code == 409
    assert "That time was just taken" in response.get_data(as_text=True)


TOO_LARGE = {"code": "request_entity_too_large", "message": "The request body is larger than this endpoint accepts."}


def test_an_operator_json_body_over_the_form_limit_is_a_413_with_a_json_reason_and_writes_nothing(browser, web_app):
    limit = web_app.extensions["booking_config"].max_form_bytes
    before = stats(browser)
    builder = {"name": "Lin Wu", "timezone": "Asia/Tokyo", "email": "lin@example.com", "bio": "x" * limit}
    response = browser.post("/admin/api/builders", json=builder, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 413
    assert response.get_json() == {"error": TOO_LARGE}
    assert stats(browser) == before


@pytest.mark.parametrize("provider", ["stripe", "calendly", "sendgrid"])
def test_a_webhook_body_over_the_webhook_limit_is_a_413_with_a_json_reason(browser, web_app, provider):
    limit = web_app.extensions["booking_config"].max_webhook_bytes
    response = browser.post(f"/webhooks/{provider}", data=b"[" + b" " * limit + b"]", content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"error": TOO_LARGE}


@pytest.mark.parametrize("provider", ["stripe", "calendly", "sendgrid"])
def test_a_webhook_body_larger_than_any_form_but_within_the_webhook_limit_is_read(browser, web_app, provider):
    config = web_app.extensions["booking_config"]
    size = (config.max_form_bytes + config.max_webhook_bytes) // 2
    response = browser.post(f"/webhooks/{provider}", data=b"[" + b" " * size + b"]", content_type="application/json")
    # Read, then refused for what it is: this app has no webhook secrets (a 413 would mean it was never read).
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_configured"
