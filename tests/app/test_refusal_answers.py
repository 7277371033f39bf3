"""The exact reason a refused request is given: the code a program branches on and the sentence a person reads.

The operator API and the JSON answers of the pages are read by scripts (the code) and by people (the
message); both are part of the interface, so each refusal's pair is pinned here, with what was written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app_under_test.booking_service import BookingError, BookingRequest, create_booking
from app_under_test.db import get_db
from app_under_test.lifecycle import IllegalTransition, transition
from app_under_test.models import BookingStatus, SessionType
from app_under_test.providers import slot_provider
from app_under_test.timeutil import utcnow
from tests.app.web_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    ADMIN_TOKEN,
    FREE_PATH,
    book_free,
    browser,
    csrf_token,
    first_slot,
    stats,
    web_app,
)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
JSON = {"Accept": "application/json"}


@pytest.mark.database
def test_a_second_builder_with_the_same_calendly_user_is_told_it_already_exists(browser):
    builder = {
        "name": "Lin Wu",
        "timezone": "Asia/Tokyo",
        "email": "lin@example.com",
        "calendly_user_uri": "https://api.calendly.com/users/ABC",
    }
    assert browser.post("/admin/api/builders", json=builder, headers=AUTH).status_code == 201
    before = stats(browser)
    again = browser.post("/admin/api/builders", json={**builder, "name": "Lin Wu Two"}, headers=AUTH)
    assert again.status_code == 409
    assert again.get_json() == {
        "error": {
            "code": "already_exists",
            "message": "Something with the same slug or Calendly URI already exists.",
        }
    }
    assert stats(browser) == before


@pytest.mark.database
def test_a_second_builder_with_the_same_name_is_told_its_slug_is_taken(browser):
    builder = {"name": "Lin Wu", "timezone": "Asia/Tokyo", "email": "lin@example.com"}
    assert browser.post("/admin/api/builders", json=builder, headers=AUTH).status_code == 201
    before = stats(browser)
    again = browser.post("/admin/api/builders", json={**builder, "email": "lin.two@example.com"}, headers=AUTH)
    assert again.status_code == 422
    assert again.get_json() == {
        "error": {"code": "invalid_builder", "message": "a builder with slug 'lin-wu' already exists"}
    }
    assert stats(browser) == before


@pytest.mark.database
def test_an_anonymous_pathway_booking_gets_the_same_sign_in_reason_from_the_page_and_the_booking_rules(
    browser, web_app
):
    """The page answers first; the booking rules (which every caller goes through) give the client the same words."""
    path = "/builders/ada-stone/sessions/pathway-call"
    start = (utcnow() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    form = {"csrf_token": csrf_token(browser, FREE_PATH), "slot": start.isoformat(), "timezone": "UTC"}
    page = browser.post(f"{path}/book", data={**form, "name": "Eve", "email": "eve@example.com"}, headers=JSON)
    assert page.status_code == 401
    with web_app.app_context(), get_db().transaction() as session:
        pathway_call = session.scalar(select(SessionType).where(SessionType.slug == "pathway-call"))
        founder = "first-time-founder"
        request = BookingRequest(pathway_call, start, "Eve", "eve@example.com", "UTC", pathway_slug=founder)
        with pytest.raises(BookingError) as refused:
            create_booking(session, request, slot_provider())
    rules = refused.value
    assert {"error": {"code": rules.code, "message": rules.message}} == page.get_json()
    assert rules.status == 401
    assert page.get_json()["error"] == {
        "code": "sign_in_required",
        "message": "Pathway sessions are for signed-in clients; please sign in first.",
    }
    assert stats(browser)["bookings"] == 0


@pytest.mark.database
def test_a_time_the_session_does_not_offer_is_refused_asking_to_pick_a_listed_slot(browser):
    """Seven minutes after a listed start is inside the working day but is no slot: the client is told to pick again."""
    listed = datetime.fromisoformat(first_slot(browser).replace("Z", "+00:00"))
    unlisted = (listed + timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    form = {
        "csrf_token": csrf_token(browser, FREE_PATH),
        "slot": unlisted,
        "timezone": "UTC",
        "name": "Eve",
        "email": "eve@example.com",
    }
    response = browser.post(f"{FREE_PATH}/book", data=form, headers=JSON)
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {
            "code": "slot_not_offered",
            "message": "That time is not offered for this session; please pick one of the listed slots.",
        }
    }
    page = book_free(browser, slot=unlisted)
    assert page.status_code == 422
    assert "That time is not offered for this session; please pick one of the listed slots." in page.get_data(
        as_text=True
    )
    assert stats(browser)["bookings"] == 0


@pytest.mark.database
@pytest.mark.parametrize("week", ["next week", "2027-3-1", "1999-12-27", "2200-01-05"])
def test_a_week_outside_the_calendar_is_a_400_naming_the_range(browser, week):
    response = browser.get(FREE_PATH, query_string={"week": week, "tz": "UTC"}, headers=JSON)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": "invalid_week",
            "message": "The week must be a date written YYYY-MM-DD between 2000-01-01 and 2199-12-31.",
        }
    }


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (BookingStatus.CANCELED, BookingStatus.CONFIRMED),
        (BookingStatus.EXPIRED, BookingStatus.CONFIRMED),
        (BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT),
    ],
)
def test_a_refused_transition_leaves_the_booking_and_says_what_was_refused(current, target):
    """The sentence is what an operator reads in the webhook inbox when an event asked for this."""
    booking = SimpleNamespace(status=current)
    with pytest.raises(IllegalTransition) as refused:
        transition(booking, target)
    assert str(refused.value) == f"a booking cannot go from {current.value} to {target.value}"
    assert booking.status is current


@pytest.mark.database
def test_a_browser_asking_for_a_missing_page_is_shown_a_404_page_that_says_so(browser):
    response = browser.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<title>404 not found" in page
    assert "<h1>Not found</h1>" in page
    assert "There is nothing at this address." in page


@pytest.mark.database
@pytest.mark.parametrize("accept", ["text/*, application/json", "application/json, */*"])
def test_a_client_that_takes_a_page_as_readily_as_json_is_shown_the_page(browser, accept):
    """JSON only for a client that ranks it above HTML: a tie goes to the page a person can read."""
    response = browser.get("/no/such/page", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is nothing at this address." in response.get_data(as_text=True)


@pytest.mark.database
def test_a_client_that_prefers_json_to_a_page_is_given_the_json_reason(browser):
    response = browser.get("/no/such/page", headers={"Accept": "text/html;q=0.5, application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "There is nothing at this address."}}


@pytest.mark.database
@pytest.mark.parametrize(
    "accept", ["*/*, text/html;q=0.1", "text/html;q=0.5, */*;q=0.9", "text/*;q=0.5, */*", "text/html;q=0, */*"]
)
def test_a_client_that_takes_anything_but_ranks_a_page_lower_is_given_the_json_reason(browser, accept):
    """JSON is not named, but the client takes anything and ranks HTML below it: it gets JSON, not the page."""
    response = browser.get("/no/such/page", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "There is nothing at this address."}}
