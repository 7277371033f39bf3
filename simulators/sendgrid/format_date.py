"""SendGrid's ``formatDate`` Handlebars helper, token for token.

SendGrid documents a moment.js-like token table for dynamic templates; mails
that show booking times depend on it, so the simulator renders exactly those
tokens and nothing more (an unknown letter is printed as itself, as SendGrid
does). Supported tokens:

    YYYY 2020   YY 20    MMMM January  MMM Jan   MM 01   M 1
    DD 01       D 1      dddd Tuesday  ddd Tue
    HH 15       H 15     hh 03         h 3       mm 00   m 0
    ss 00       s 0      A PM          ZZ -0800  Z -08:00

Text inside ``[brackets]`` is printed literally (moment.js escaping). The
timestamp may be an ISO 8601 string or a unix epoch number (seconds; values
above 10^11 are taken as milliseconds, as a JavaScript ``Date`` would). The
optional offset is ``-0800`` or ``-08:00``; without it the time is shown in
UTC. Without a format the ISO 8601 form ``2020-01-01T23:00:00.000Z`` is shown.
An unparseable timestamp renders as an empty string.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_TOKENS = re.compile(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|A|ZZ|Z")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MILLISECOND_EPOCH_THRESHOLD = 10**11


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string or an epoch number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) > _MILLISECOND_EPOCH_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


def parse_offset(value: object) -> timedelta | None:
    if not isinstance(value, str):
        return None
    match = _OFFSET.match(value.strip())
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return -delta if sign == "-" else delta


def _offset_text(delta: timedelta, *, colon: bool) -> str:
    total = int(delta.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def _token(token: str, moment: datetime, offset: timedelta) -> str:
    hour12 = moment.hour % 12 or 12
    values = {
        "YYYY": f"{moment.year:04d}",
        "YY": f"{moment.year % 100:02d}",
        "MMMM": _MONTHS[moment.month - 1],
        "MMM": _MONTHS[moment.month - 1][:3],
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "DD": f"{moment.day:02d}",
        "D": str(moment.day),
        "dddd": _WEEKDAYS[moment.weekday()],
        "ddd": _WEEKDAYS[moment.weekday()][:3],
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{moment.minute:02d}",
        "m": str(moment.minute),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "A": "PM" if moment.hour >= 12 else "AM",
        "ZZ": _offset_text(offset, colon=False),
        "Z": _offset_text(offset, colon=True),
    }
    return values[token]


def format_date(value: object, date_format: object = None, offset: object = None) -> str:
    moment = parse_timestamp(value)
    if moment is None:
        return ""
    shift = parse_offset(offset) or timedelta(0)
    local = moment + shift
    if not isinstance(date_format, str) or not date_format:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("["):
            return token[1:-1]
        return _token(token, local, shift)

    return _TOKENS.sub(replace, date_format)
