"""Calendly's timestamp format, in one place.

Calendly writes every timestamp as UTC ISO-8601 with microseconds and a ``Z``
(``2024-01-15T10:30:00.123456Z``). The app parses these strings, so the
simulator must produce exactly this shape everywhere, and accept the looser
forms clients send (``...Z``, ``+00:00``, no fraction).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

API_HOST = "https://api.calendly.com"


def iso(ts: float) -> str:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: object) -> float | None:
    """An ISO-8601 string with a zone (``Z`` or an offset) -> unix seconds; None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def zone(name: object) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_iso(ts: float, tz: ZoneInfo) -> str:
    """Unix seconds -> ISO-8601 in ``tz`` with its offset (Calendly's redirect parameters use this)."""
    return datetime.fromtimestamp(ts, tz=tz).isoformat(timespec="seconds")
