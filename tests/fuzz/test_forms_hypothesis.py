"""Hypothesis against the HTML forms and query strings: any text (control characters included), huge and
tiny numbers, every date edge, real and unknown time zones. A page may refuse (4xx) but never fail (5xx).

The forms are posted with a valid CSRF token, so the input reaches the views rather than stopping at the
CSRF check. Sign-in limits are switched off here (they are tested in tests/app/test_rate_limits.py), or
the fuzzer would spend its budget on 429s.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.fuzz_report import record_fuzz_requests
from tests.app.web_fixtures import FREE_PATH, csrf_token, make_web_app, sign_up
from tests.fuzz.conftest import fuzz_budget, hypothesis_settings

pytestmark = [pytest.mark.database, pytest.mark.fuzz]
PATHWAY_PATH = "/builders/ada-stone/sessions/pathway-call"
ANSWERS = {200, 302, 303, 308, 400, 401, 403, 404, 405, 409, 413, 422}

# Text as a hostile client sends it: any code point (controls, NUL, line separators), sometimes very long.
any_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=200, max_size=3000),
    st.sampled_from(["", " ", "\r\n", "\x00", "\u2028", "%00", "../../etc/passwd", "<script>"]),
)
numbers_as_text = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "-0", "0x10", "NaN", "9" * 400]),
)
dates = st.dates(min_value=date.min, max_value=date.max)
date_edges = st.sampled_from(
    [
        date.min,
        date.max,
        date(1999, 12, 31),
        date(2000, 1, 1),
        date(2199, 12, 31),
        date(2200, 1, 1),
        date(2024, 2, 29),
        date(2038, 1, 19),
    ]
)
date_text = st.one_of(
    dates.map(date.isoformat),
    date_edges.map(date.isoformat),
    numbers_as_text,
    any_text,
    st.sampled_from(["2027-02-30", "2027-13-01", "20270101", "2027-W01", "2027-01-01T00:00"]),
)
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(min_value=datetime.min, max_value=datetime.max, timezones=st.one_of(offsets, st.timezones()))
instant_text = st.one_of(
    instants.map(lambda d: d.isoformat()),
    date_text,
    st.sampled_from(
        [
            "9999-12-31T23:45:00Z",
            "0001-01-01T00:00:00+01:00",
            "2030-01-07T10:00Z",
            "2030-01-07T10:00:00+24:00",
            "2030-01-07T10:00:00",
        ]
    ),
)
zones = st.one_of(
    st.timezone_keys(),
    any_text,
    st.sampled_from(
        [
            "Mars/Olympus",
            "UTC\x00",
            "Europe/London ",
            "EST5EDT",
            "posix/Europe/Paris",
            "/etc/localtime",
            "Etc/GMT+14",
            "a" * 65,
        ]
    ),
)
emails = st.one_of(st.emails(), any_text, st.sampled_from(["a@b", "x@example.com\r\nBcc: y@example.com"]))
nexts = st.one_of(any_text, st.sampled_from(["/", "//evil.example", "/\r\nX: 1", "https://evil.example", "/\\evil"]))


@pytest.fixture
def fuzzed(db_url):
    app = make_web_app(db_url, rate_limits_enabled=False)
    yield app
    app.extensions["booking_db"].dispose()


class Sender:
    """Sends requests and fails on any answer that is not a refusal or a success."""

    def __init__(self, client) -> None:
        self.client, self.sent = client, 0

    def __call__(self, method: str, path: str, **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        self.sent += 1
        assert response.status_code in ANSWERS, (
            method,
            path,
            kwargs,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        return response


def test_pages_and_forms_never_answer_5xx(fuzzed, request):
    examples = hypothesis_settings(fuzz_budget().form_examples)
    visitor = fuzzed.test_client()
    signed_in = fuzzed.test_client()
    assert sign_up(signed_in, "member@example.com").status_code == 303
    send, member = Sender(visitor), Sender(signed_in)
    token, member_token = csrf_token(visitor, "/signin"), csrf_token(signed_in, "/signin")

    @given(week=date_text, tz=zones)
    @examples
    def slot_page(week, tz):
        send("GET", FREE_PATH, query_string={"week": week, "tz": tz})
        member("GET", PATHWAY_PATH, query_string={"week": week, "tz": tz})

    @given(query=any_text, public_id=any_text, tz=zones)
    @examples
    def listings_and_confirmations(query, public_id, tz):
        send("GET", "/", query_string={"q": query})
        send("GET", f"/bookings/{quote(public_id, safe='')}", query_string={"tz": tz})

    @given(slot=instant_text, zone=zones, name=any_text, email=emails, pathway=any_text)
    @examples
    def booking_forms(slot, zone, name, email, pathway):
        form = {"csrf_token": token, "slot": slot, "timezone": zone, "name": name, "email": email}
        send("POST", f"{FREE_PATH}/book", data=form)
        member("POST", f"{PATHWAY_PATH}/book", data={**form, "csrf_token": member_token, "pathway": pathway})

    @given(name=any_text, email=emails, password=any_text, zone=zones, next_path=nexts)
    @examples
    def account_forms(name, email, password, zone, next_path):
        send(
            "POST",
            "/signup",
            data={
                "csrf_token": token,
                "name": name,
                "email": email,
                "password": password,
                "confirm": password,
                "timezone": zone,
                "next": next_path,
            },
        )
        send("POST", "/signin", data={"csrf_token": token, "email": email, "password": password, "next": next_path})
        member(
            "POST",
            "/account/password",
            data={"csrf_token": member_token, "current_password": password, "password": name, "confirm": name},
        )

    @given(public_id=any_text)
    @examples
    def payment_forms(public_id):
        send("POST", f"/bookings/{quote(public_id, safe='')}/pay", data={"csrf_token": token})

    for target in (slot_page, listings_and_confirmations, booking_forms, account_forms, payment_forms):
        target()
    record_fuzz_requests(request.node, send.sent + member.sent)
    assert send.sent and member.sent
