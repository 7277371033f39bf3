"""Instants and zones: what the app accepts as a day or an instant, how it stores them, how it shows them.

Every time taken from a request goes through ``parse_day`` / ``parse_utc_iso``; every time stored goes
through ``UTCDateTime``; every time a person reads goes through ``format_in_zone``. A slip in any of them
books the wrong hour or shows it, so the edges are pinned here, and the round trips are properties.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app_under_test.timeutil import (
    EARLIEST_DAY,
    LATEST_DAY,
    UTCDateTime,
    format_in_zone,
    is_valid_zone,
    iso_z,
    parse_day,
    parse_utc_iso,
    zone,
)

pytestmark = [pytest.mark.timezone]

SQLITE = SimpleNamespace(name="sqlite")
POSTGRES = SimpleNamespace(name="postgresql")
instants = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2199, 12, 30), timezones=st.just(UTC)).map(
    lambda value: value.replace(microsecond=0)
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(instants, offsets)
def test_an_instant_written_with_any_offset_reads_back_as_the_same_utc_instant(instant, offset):
    written = instant.astimezone(offset).isoformat()
    assert parse_utc_iso(written) == instant
    assert parse_utc_iso(written).tzinfo is UTC
    assert parse_utc_iso(iso_z(instant)) == instant


def test_z_means_utc_and_iso_z_writes_seconds_and_z():
    assert parse_utc_iso("2027-03-15T14:00:00Z") == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    assert parse_utc_iso("2027-03-15T14:00:00+01:00") == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert iso_z(datetime(2027, 3, 15, 15, 0, 7, 999, tzinfo=timezone(timedelta(hours=1)))) == "2027-03-15T14:00:07Z"


@pytest.mark.parametrize(
    "text",
    [
        "2027-03-15T14:00:00",  # no offset: whose 14:00?
        "2027-03-15",
        "tomorrow",
        "1999-12-31T23:59:59Z",  # before the supported range
        "2200-01-01T00:00:00Z",  # after it
        "2000-01-01T00:30:00+01:00",  # in range as written, 1999 in UTC
        "2199-12-31T23:30:00-01:00",  # in range as written, 2200 in UTC
        "0001-01-01T00:00:00+01:00",  # would overflow converting to UTC
        "2027-03-15T14:00:00.000000000000000000000Z",  # longer than any instant
        "2027-03-15Z14:00:00+01:00",  # Z stands for UTC, never for the date-time separator
    ],
)
def test_what_is_not_a_supported_instant_is_refused(text):
    with pytest.raises(ValueError):
        parse_utc_iso(text)


def test_the_supported_range_includes_its_first_and_last_instants():
    assert parse_utc_iso("2000-01-01T00:00:00Z") == datetime(2000, 1, 1, tzinfo=UTC)
    assert parse_utc_iso("2199-12-31T23:59:59Z") == datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_utc_iso("2000-01-01T00:30:00-01:00") == datetime(2000, 1, 1, 1, 30, tzinfo=UTC)


def test_an_instant_of_forty_characters_is_read_and_of_forty_one_refused():
    forty = "2027-03-15T14:00:00.123456+01:00:00.0000"  # fromisoformat reads offsets with seconds and fractions
    assert len(forty) == 40
    assert parse_utc_iso(forty) == datetime(2027, 3, 15, 13, 0, 0, 123456, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_utc_iso(forty + "0")


@pytest.mark.parametrize("text", ["2027-3-15", "2027-03-15T00", "15/03/2027", "1999-12-31", "2200-01-01", "20270315"])
def test_what_is_not_a_supported_day_is_refused(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_the_first_and_last_supported_days_are_days():
    assert parse_day("2000-01-01") == EARLIEST_DAY == date(2000, 1, 1)
    assert parse_day("2199-12-31") == LATEST_DAY == date(2199, 12, 31)
    assert parse_day("2027-03-15") == date(2027, 3, 15)


@pytest.mark.parametrize("name", ["Europe/London", "America/Argentina/ComodRivadavia", "UTC", "Asia/Kathmandu"])
def test_real_zones_are_valid(name):
    assert is_valid_zone(name)


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "europe/london", "Europe/London ", "../etc/passwd"])
def test_unknown_zones_are_not(name):
    assert not is_valid_zone(name)


def test_an_unknown_zone_is_shown_as_utc_and_a_known_one_as_itself():
    assert zone("Mars/Olympus_Mons") == zone("UTC")
    assert zone("../../etc/passwd") == zone("UTC")
    assert str(zone("Europe/London")) == "Europe/London"


def test_a_time_is_shown_in_the_readers_zone_with_the_zone_named():
    instant = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    assert format_in_zone(instant, "Europe/London") == "Monday 15 March 2027, 14:00 Europe/London (GMT)"
    assert format_in_zone(instant, "America/New_York") == "Monday 15 March 2027, 10:00 America/New_York (EDT)"
    assert format_in_zone(instant, "Asia/Kathmandu", "%H:%M") == "19:45 Asia/Kathmandu (+0545)"
    summer = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
    assert format_in_zone(summer, "Europe/London") == "Thursday 01 July 2027, 13:00 Europe/London (BST)"


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_the_column_stores_utc_and_refuses_a_naive_time(dialect):
    column = UTCDateTime()
    paris = datetime(2027, 3, 15, 15, 0, tzinfo=timezone(timedelta(hours=1)))
    stored = column.process_bind_param(paris, dialect)
    if dialect is SQLITE:
        assert stored == datetime(2027, 3, 15, 14, 0) and stored.tzinfo is None
    else:
        assert stored == paris and stored.utcoffset() == timedelta(0)
    assert column.process_bind_param(None, dialect) is None
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2027, 3, 15, 14, 0), dialect)


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_the_column_reads_back_aware_utc_from_either_backend(dialect):
    column = UTCDateTime()
    assert column.process_result_value(datetime(2027, 3, 15, 14, 0), dialect) == datetime(2027, 3, 15, 14, tzinfo=UTC)
    read = column.process_result_value(datetime(2027, 3, 15, 15, 0, tzinfo=timezone(timedelta(hours=1))), dialect)
    assert read == datetime(2027, 3, 15, 14, 0, tzinfo=UTC) and read.tzinfo is UTC
    assert column.process_result_value(None, dialect) is None


@pytest.fixture
def server_in_kathmandu(monkeypatch):
    """The process's local zone set to one far from UTC (+05:45), as on a server not configured for UTC."""
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_the_column_stores_utc_whatever_the_servers_local_zone(server_in_kathmandu, dialect):
    column = UTCDateTime()
    paris = datetime(2027, 3, 15, 15, 0, tzinfo=timezone(timedelta(hours=1)))
    stored = column.process_bind_param(paris, dialect)
    assert column.process_result_value(stored, dialect) == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
