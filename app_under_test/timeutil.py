"""Time helpers: UTC storage, zone-aware presentation.

SQLite has no timezone-aware column type, so ``UTCDateTime`` stores naive UTC
and hands back aware UTC datetimes on every backend; code above this layer only
ever sees aware datetimes.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_zone(name: str | None) -> TypeGuard[str]:
    if not name or len(name) > 64:
        return False
    return name in _zones()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# The dates this service can reason about. Every date or instant taken from a request passes through
# ``parse_day`` or ``parse_utc_iso``, so arithmetic on it (a week on, a session's end, a zone's offset)
# can never overflow Python's date range (years 1 and 9999 are one step from an OverflowError).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def _in_range(day: date) -> None:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"dates must lie between {EARLIEST_DAY} and {LATEST_DAY}")


def parse_day(text: str) -> date:
    """A calendar date ``YYYY-MM-DD`` within the supported range; raise ValueError otherwise."""
    if len(text) != 10:
        raise ValueError("a date is written YYYY-MM-DD")
    day = date.fromisoformat(text)
    _in_range(day)
    return day


def parse_utc_iso(text: str) -> datetime:
    """Parse an ISO-8601 instant with an explicit offset (or Z) into aware UTC; raise ValueError otherwise."""
    if len(text) > 40:
        raise ValueError("not an instant")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("time must carry an offset or Z")
    _in_range(value.date())  # before converting: an offset on 0001-01-01 overflows in astimezone
    value = value.astimezone(UTC)
    _in_range(value.date())
    return value


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_in_zone(value: datetime, zone_name: str, pattern: str = "%A %d %B %Y, %H:%M") -> str:
    """A human time in the given zone, with the zone named (e.g. 'Monday 15 March 2027, 14:00 Europe/London (GMT)')."""
    local = value.astimezone(zone(zone_name))
    return f"{local.strftime(pattern)} {zone_name} ({local.tzname()})"
