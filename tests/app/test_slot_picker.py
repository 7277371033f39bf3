"""The slot picker page as a client reads it: which days and times a week shows, where its week links go,
which zone it is shown in, and what it remembers.

The builder (Ada Stone) works 09:00-17:00 in London, which is UTC in January; the schedule's clock is
pinned (Friday 1 January 2027) and the week is pinned with ``?week=``, so nothing depends on today's date.
A client in Tokyo (UTC+9 all year) sees London's afternoon after their own midnight: the edges of their
week are their own midnights, not UTC's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from app_under_test.availability import LocalSchedule
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.db import get_db
from harness.web import parse
from tests.app.web_fixtures import (  # noqa: F401 (pytest fixtures, used by name)
    FREE_PATH,
    book_free,
    csrf_token,
    first_slot,
    sign_up,
    web_app,
)

pytestmark = [pytest.mark.database, pytest.mark.timezone]

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # a Friday; no daylight-saving change in London or Tokyo nearby
WEEK = "2027-01-05"  # a Tuesday: the week shown runs from Tuesday 5 to Monday 11 January
PATHWAY_PATH = "/builders/ada-stone/sessions/pathway-call"
ONE_YEAR_SECONDS = 365 * 24 * 3600

# London 15:00-16:30 (the end of the working day) is 00:00-01:30 the next day in Tokyo; 09:00-14:30 is 18:00-23:30.
AFTER_TOKYO_MIDNIGHT = ["00:00", "00:30", "01:00", "01:30"]
TOKYO_EVENING = [f"{hour}:{minute}" for hour in range(18, 24) for minute in ("00", "30")]
TOKYO_WEEK = {
    "2027-01-05": AFTER_TOKYO_MIDNIGHT + TOKYO_EVENING,  # Monday's London afternoon, then Tuesday's morning
    "2027-01-06": AFTER_TOKYO_MIDNIGHT + TOKYO_EVENING,
    "2027-01-07": AFTER_TOKYO_MIDNIGHT + TOKYO_EVENING,
    "2027-01-08": AFTER_TOKYO_MIDNIGHT + TOKYO_EVENING,
    "2027-01-09": AFTER_TOKYO_MIDNIGHT,  # Friday's London afternoon; nothing else on a Saturday
    "2027-01-11": TOKYO_EVENING,  # Monday 11's London afternoon is already Tuesday 12 in Tokyo: next week
}


@pytest.fixture
def browser(web_app):
    """The test client of an app whose schedule reads the pinned clock."""
    web_app.extensions["slot_provider"] = LocalSchedule(now=lambda: NOW)
    return web_app.test_client()


def times_by_day(html: str) -> dict[str, list[str]]:
    """The times offered, as the client reads them, under the day they are listed under."""
    days: dict[str, list[str]] = defaultdict(list)
    for slot in parse(html).slots:
        day, time = slot.local.split(" ")
        assert slot.label == time
        days[day].append(time)
    return dict(days)


def zones_by_day(html: str) -> dict[str, set[str]]:
    """The zone abbreviations printed next to the times offered, under the day they are listed under."""
    days: dict[str, set[str]] = defaultdict(set)
    for day, abbr in re.findall(r'data-local="(\S+) [^"]*"[^>]*>[^<]*<span class="abbr">([^<]*)</span>', html):
        days[day].add(abbr)
    return dict(days)


def week_link(html: str, rel: str) -> dict[str, list[str]]:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    assert found, f"no {rel} week link"
    return parse_qs(urlsplit(found.group(1).replace("&amp;", "&")).query)


def test_a_week_in_tokyo_runs_from_tokyo_midnight_to_tokyo_midnight(browser):
    page = browser.get(FREE_PATH, query_string={"tz": "Asia/Tokyo", "week": WEEK})
    assert page.status_code == 200
    assert times_by_day(page.get_data(as_text=True)) == TOKYO_WEEK


def test_each_time_shows_the_zone_abbreviation_in_force_on_its_day_across_a_clock_change(browser):
    """London's clocks go forward on Sunday 28 March 2027: the times before it are GMT, those after it BST."""
    page = browser.get(FREE_PATH, query_string={"tz": "Europe/London", "week": "2027-03-25"}).get_data(as_text=True)
    assert zones_by_day(page) == {
        "2027-03-25": {"GMT"},
        "2027-03-26": {"GMT"},
        "2027-03-29": {"BST"},
        "2027-03-30": {"BST"},
        "2027-03-31": {"BST"},
    }


@pytest.mark.parametrize(
    ("path", "heading", "length"),
    [
        (FREE_PATH, "Intro call with Ada Stone", "30 minutes"),
        ("/builders/linus-park/sessions/intro-call", "Intro call with Linus Park", "45 minutes"),
    ],
)
def test_two_builders_offering_a_session_type_of_the_same_name_each_show_their_own(
    browser, web_app, path, heading, length
):
    with web_app.app_context(), get_db().transaction() as session:
        add_builder(
            session,
            BuilderSpec(
                name="Linus Park",
                timezone="Asia/Tokyo",
                email="linus@example.com",
                session_types=[SessionTypeSpec("Intro call", "free", 45)],
            ),
        )
    page = browser.get(path, query_string={"tz": "UTC", "week": WEEK}).get_data(as_text=True)
    assert parse(page).h1 == heading
    assert f"<p>{length}</p>" in page


def test_the_earlier_and_later_week_links_go_one_week_back_and_one_forward(browser):
    page = browser.get(FREE_PATH, query_string={"tz": "Asia/Tokyo", "week": WEEK}).get_data(as_text=True)
    assert week_link(page, "prev") == {"week": ["2026-12-29"], "tz": ["Asia/Tokyo"]}
    assert week_link(page, "next") == {"week": ["2027-01-12"], "tz": ["Asia/Tokyo"]}
    later = browser.get(FREE_PATH, query_string={"tz": "Asia/Tokyo", "week": "2027-01-12"}).get_data(as_text=True)
    assert "Week of 12 January 2027" in later
    assert min(times_by_day(later)) == "2027-01-12"  # the later week starts where this one ended


def test_a_signed_in_client_without_a_chosen_zone_sees_times_in_their_accounts_zone(browser):
    sign_up(browser, "kenji@example.com", name="Kenji Sato", timezone="Asia/Tokyo")
    assert browser.get_cookie("tz") is None  # no zone chosen on a page, none detected by the page script
    page = browser.get(FREE_PATH, query_string={"week": WEEK}).get_data(as_text=True)
    assert "Pick a time (Asia/Tokyo)" in page
    assert times_by_day(page) == TOKYO_WEEK


def test_a_visitor_who_booked_in_tokyo_and_signs_up_later_without_a_zone_sees_times_in_tokyo(web_app):
    """The zone a visitor booked in becomes their account's zone when signing up does not name one."""
    visitor = web_app.test_client()  # the app's own schedule, on today's clock: the slot booked is a real one
    booked = book_free(visitor, name="Kenji Sato", email="kenji@example.com", timezone="Asia/Tokyo")
    assert booked.status_code == 303, booked.get_data(as_text=True)
    visitor.delete_cookie("tz")  # the slot list was read in UTC; no zone is remembered
    assert sign_up(visitor, "kenji@example.com", name="Kenji Sato", timezone="").status_code == 303
    assert "Pick a time (Asia/Tokyo)" in visitor.get(FREE_PATH).get_data(as_text=True)


@pytest.mark.parametrize("zone", ["Etc/Unknown", "Mars/Olympus_Mons"])
def test_a_sign_up_from_a_browser_naming_a_zone_unknown_here_is_taken_as_naming_none(web_app, zone):
    """The page script sends whatever zone the browser reports: one this server does not know must not refuse the
    sign-up (the form would come back with nothing to correct); the account keeps the zone the visitor booked in."""
    visitor = web_app.test_client()
    booked = book_free(visitor, name="Kenji Sato", email="kenji@example.com", timezone="Asia/Tokyo")
    assert booked.status_code == 303, booked.get_data(as_text=True)
    visitor.delete_cookie("tz")
    signed_up = sign_up(visitor, "kenji@example.com", name="Kenji Sato", timezone=zone)
    assert signed_up.status_code == 303, signed_up.get_data(as_text=True)
    assert "Pick a time (Asia/Tokyo)" in visitor.get(FREE_PATH).get_data(as_text=True)


def test_a_signed_in_client_picking_a_pathway_is_asked_to_choose_one(browser):
    sign_up(browser, "grace@example.com")
    page = browser.get(PATHWAY_PATH, query_string={"tz": "Europe/London", "week": WEEK}).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="pathway"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no pathway select on the pathway session page"
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    assert options == [("", "Choose a pathway"), ("first-time-founder", "First-time founder")]


def test_a_zone_chosen_on_the_page_is_remembered_for_a_year(browser):
    page = browser.get(FREE_PATH, query_string={"tz": "Asia/Tokyo", "week": WEEK})
    cookies = [value for value in page.headers.getlist("Set-Cookie") if value.startswith("tz=")]
    assert len(cookies) == 1
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")}
    assert attributes["max-age"] == f"Max-Age={ONE_YEAR_SECONDS}"
    assert "Pick a time (Asia/Tokyo)" in browser.get(FREE_PATH, query_string={"week": WEEK}).get_data(as_text=True)


def test_the_remembered_zone_is_not_sent_by_other_sites_and_stays_readable_by_the_page_script(browser):
    """SameSite=Lax, as the session cookie: a link from another site still shows the zone, a cross-site form
    post does not carry it; not HttpOnly, since the page script reads it before switching to the zone it detects."""
    page = browser.get(FREE_PATH, query_string={"tz": "Asia/Tokyo", "week": WEEK})
    [cookie] = [value for value in page.headers.getlist("Set-Cookie") if value.startswith("tz=")]
    pairs = (part.strip().partition("=") for part in cookie.split(";")[1:])
    attributes = {name.lower(): value for name, _, value in pairs}
    assert attributes["samesite"] == "Lax" and "httponly" not in attributes
