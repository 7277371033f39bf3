"""The hosted scheduling, cancel and reschedule pages, driven like a browser with plain form posts."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from harness import http_clients

pytestmark = [pytest.mark.calendly, pytest.mark.booking]


class PageReader(HTMLParser):
    """Time links (``data-start-time``), hidden inputs and labelled fields of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.times: list[tuple[str, str]] = []  # (href, UTC start)
        self.hidden: dict[str, str] = {}
        self.inputs: list[str] = []
        self.labels: list[str] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "data-start-time" in attributes:
            self.times.append((attributes["href"], attributes["data-start-time"]))
        elif tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        if tag == "input" and attributes.get("type") == "hidden":
            self.hidden[attributes["name"]] = attributes.get("value", "")
        elif tag in ("input", "textarea", "select") and attributes.get("id"):
            self.inputs.append(attributes["id"])
        if tag == "label":
            self.labels.append(attributes.get("for", ""))


@pytest.fixture
def browser(calendly):
    with http_clients.client(base_url=calendly.url, follow_redirects=False, timeout=30) as client:
        yield client


def book_through_page(
    browser, scheduling_url: str, *, name: str, email: str, query: dict | None = None, pick: int = 0
) -> tuple[httpx.Response, str]:
    """Open the scheduling page, pick a time, fill the form as a browser would; returns the POST answer."""
    times_page = browser.get(scheduling_url, params=query or {})
    assert times_page.status_code == 200
    href, start = PageReader(times_page.text).times[pick]
    form_page = browser.get(href)
    assert form_page.status_code == 200
    fields = PageReader(form_page.text).hidden | {"name": name, "email": email}
    return browser.post(href, data=fields), start


def test_times_are_listed_in_the_visitors_zone_and_the_page_is_accessible(calendly, browser):
    host = calendly.host(slug="ada")
    event_type = calendly.event_type(host, name="Intro call", slug="intro")
    page = browser.get("/calendly/ada/intro", params={"timezone": "America/New_York"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html and 'name="viewport" content="width=device-width, initial-scale=1"' in html
    reader = PageReader(html)
    assert reader.times, "no times offered"
    api_starts = [s["start_time"][:19] + "Z" for s in calendly.open_slots(host, event_type, from_minutes=1, days=6.9)]
    assert set(api_starts[:5]) <= {start for _, start in reader.times}
    first_label = datetime.fromisoformat(reader.times[0][1]).astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    assert f">{first_label}</a>" in html
    assert set(reader.labels) >= {"timezone"}


def test_booking_through_the_page_carries_utm_parameters_into_tracking(calendly, browser, receiver, helpers):
    host = calendly.host(slug="ada")
    calendly.event_type(host, slug="intro")
    calendly.subscribe(host, receiver.url + "/hooks")
    query = {"timezone": "Europe/Berlin", "utm_source": "newsletter", "utm_campaign": "spring", "utm_term": "ux"}
    answer, start = book_through_page(
        browser, "/calendly/ada/intro", name="Casey Client", email="casey@example.com", query=query
    )
    assert answer.status_code == 303
    confirmation = browser.get(answer.headers["Location"])
    assert confirmation.status_code == 200 and "You are scheduled" in confirmation.text
    calendly.flush()
    payload = helpers.assert_signed(receiver.wait_for(1)[0])["payload"]
    assert payload["email"] == "casey@example.com" and payload["timezone"] == "Europe/Berlin"
    assert payload["tracking"] == {
        "utm_campaign": "spring",
        "utm_source": "newsletter",
        "utm_medium": None,
        "utm_content": None,
        "utm_term": "ux",
        "salesforce_uuid": None,
    }
    assert payload["scheduled_event"]["start_time"] == start.replace("Z", ".000000Z")


def test_a_redirect_url_receives_calendlys_query_parameters(calendly, browser, helpers):
    host = calendly.host(name="Ada Builder", slug="ada")
    event_type = calendly.event_type(
        host, name="Intro call", slug="intro", redirect_url="https://app.example.com/bookings/done?source=calendly"
    )
    answer, start = book_through_page(
        browser,
        "/calendly/ada/intro",
        name="Casey Client",
        email="casey@example.com",
        query={"timezone": "America/New_York", "utm_medium": "social"},
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "app.example.com", "/bookings/done")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["source"] == "calendly"
    assert params["assigned_to"] == "Ada Builder"
    assert params["event_type_uuid"] == helpers.uuid_of(event_type["uri"])
    assert params["event_type_name"] == "Intro call"
    assert params["invitee_full_name"] == "Casey Client" and params["invitee_email"] == "casey@example.com"
    assert params["utm_medium"] == "social"
    started = datetime.fromisoformat(params["event_start_time"])
    assert started.utcoffset() == datetime.fromisoformat(start).astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert started == datetime.fromisoformat(start)
    assert (datetime.fromisoformat(params["event_end_time"]) - started).total_seconds() == 30 * 60
    invitees = calendly.control("GET", "/state").json()["invitees"]
    assert [helpers.uuid_of(i["uri"]) for i in invitees] == [params["invitee_uuid"]]


def test_a_time_taken_meanwhile_is_refused_with_a_message(calendly, browser):
    host = calendly.host(slug="ada")
    event_type = calendly.event_type(host, slug="intro")
    times_page = browser.get("/calendly/ada/intro", params={"timezone": "UTC"})
    href, start = PageReader(times_page.text).times[0]
    calendly.book(host, event_type, start)
    refused = browser.post(href, data={"name": "Late", "email": "late@example.com", "timezone": "UTC"})
    assert refused.status_code == 409
    assert "no longer available" in refused.text
    incomplete = browser.post(
        PageReader(browser.get("/calendly/ada/intro?timezone=UTC").text).times[0][0], data={"name": "", "email": "nope"}
    )
    assert incomplete.status_code == 400 and 'role="alert"' in incomplete.text


def test_the_cancel_url_page_cancels_as_the_invitee(calendly, browser, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/hooks")
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    cancel_path = urlsplit(invitee["cancel_url"]).path
    page = browser.get(cancel_path)
    assert page.status_code == 200 and "reason" in PageReader(page.text).inputs
    done = browser.post(cancel_path, data={"reason": "Found another time"})
    assert done.status_code == 200 and "Cancellation confirmed" in done.text
    calendly.flush()
    canceled = helpers.assert_signed(receiver.wait_for(2)[1])
    assert canceled["event"] == "invitee.canceled"
    assert canceled["payload"]["cancellation"]["canceler_type"] == "invitee"
    assert canceled["payload"]["cancellation"]["reason"] == "Found another time"
    assert "already canceled" in browser.get(cancel_path).text


def test_the_reschedule_url_page_moves_the_booking(calendly, browser, receiver, helpers):
    host = calendly.host()
    event_type = calendly.event_type(host)
    calendly.subscribe(host, receiver.url + "/hooks")
    invitee = calendly.book(host, event_type, calendly.open_slots(host, event_type)[0]["start_time"])
    page = browser.get(urlsplit(invitee["reschedule_url"]).path)
    assert page.status_code == 200
    href, new_start = PageReader(page.text).times[3]
    assert browser.get(href).status_code == 200
    moved = browser.post(href, data={"reason": "Clash"})
    assert moved.status_code == 303
    calendly.flush()
    events = sorted(helpers.assert_signed(r)["event"] for r in receiver.wait_for(3)[1:])
    assert events == ["invitee.canceled", "invitee.created"]
    created = next(helpers.assert_signed(r) for r in receiver.requests[1:] if b'"invitee.created"' in r.body)["payload"]
    assert created["old_invitee"] == invitee["uri"]
    assert created["scheduled_event"]["start_time"] == new_start.replace("Z", ".000000Z")


def test_unknown_pages_are_404(calendly, browser):
    calendly.host(slug="ada")
    assert browser.get("/calendly/ada/no-such-type").status_code == 404
    assert browser.get("/calendly/cancellations/no-such-invitee").status_code == 404
    assert browser.get("/calendly/reschedulings/no-such-invitee").status_code == 404
