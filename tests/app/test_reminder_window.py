"""``booking-app mail send-reminders --within``: the windows an operator may write, and the refusal otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app_under_test.mail.reminders import parse_window
from tests.app.web_fixtures import make_web_app

pytestmark = [pytest.mark.email]


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d12h", timedelta(days=2, hours=12)),
        ("1d2h3m", timedelta(days=1, hours=2, minutes=3)),
        ("36", timedelta(hours=36)),
        (" 1D ", timedelta(days=1)),
        ("12H", timedelta(hours=12)),
    ],
)
def test_windows_are_read_in_days_hours_and_minutes(text, window):
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["", "   ", "h", "1w", "1.5h", "-2h", "30m1h", "24 h", "tomorrow"])
def test_anything_else_is_refused_with_examples(text):
    with pytest.raises(ValueError) as refused:
        parse_window(text)
    assert str(refused.value) == f"not a duration: {text.strip().lower()!r} (try 24h, 90m or 1d)"


def test_the_command_names_the_option_and_the_examples_when_the_window_is_wrong(db_url):
    app = make_web_app(db_url)
    result = app.test_cli_runner().invoke(args=["mail", "send-reminders", "--within", "soon"])
    assert result.exit_code == 2
    assert "--within" in result.output and "try 24h, 90m or 1d" in result.output
    done = app.test_cli_runner().invoke(args=["mail", "send-reminders", "--within", "1d"])
    assert done.exit_code == 0 and "'queued': 0" in done.output
    app.extensions["booking_db"].dispose()
