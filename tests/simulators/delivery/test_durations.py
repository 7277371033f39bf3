"""Duration strings for the control API and the CLI."""

from __future__ import annotations

import pytest

from simulators.durations import parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("2h", 7200),
        ("90m", 5400),
        ("1d", 86400),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("45s", 45),
        ("500ms", 0.5),
        ("1w", 604800),
        ("1.5h", 5400),
        ("30", 30),
        (0, 0),
        (12.5, 12.5),
        ("2H", 7200),
    ],
)
def test_readable_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "2x", "2h30", "-1", "-1h", "nan", "inf", "h2", True, None, [1]])
def test_unreadable_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)
