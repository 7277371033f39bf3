"""Durations as people write them ("90m", "2h", "1d", "1h30m") for the control API and the CLI.

Retry schedules run over hours and days; typing ``advance 2h`` reads better
than ``advance 7200`` and is harder to get wrong.
"""

from __future__ import annotations

import math
import re

UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``: a non-negative number, a numeric string, or unit parts like ``1h30m``.

    Raises ``ValueError`` with a message fit to show the user.
    """
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or a string like '90m', '2h', '1d'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text("".join(value.split()).lower())
    else:
        raise ValueError("a duration must be a number of seconds or a string like '90m', '2h', '1d'")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("a duration must be finite and not negative")
    return seconds


def _parse_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        units = ", ".join(UNIT_SECONDS)
        raise ValueError(f"cannot read {text!r} as a duration (use a number with a unit: {units}; e.g. 90m, 2h, 1h30m)")
    return total
