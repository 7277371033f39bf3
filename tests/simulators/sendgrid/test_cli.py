"""``simulate sendgrid ...`` against a live simulator: the inbox and faults from a terminal."""

from __future__ import annotations

import json

import pytest
from python_http_client import exceptions as http_errors

from simulators.cli import main

pytestmark = pytest.mark.email


@pytest.fixture
def simulate(sg, capsys):
    """Run ``simulate sendgrid <args> --url <simulator>`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str):
        code = main(["sendgrid", *args, "--url", sg.url])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_inbox_lists_mail_filtered_by_recipient(sg, simulate):
    sg.client().send(sg.template_mail("ann@example.com"))
    sg.client().send(sg.template_mail("bo@example.com"))

    code, out, _ = simulate("inbox", "--to", "bo@example.com")

    assert code == 0
    assert "bo@example.com" in out and "ann@example.com" not in out
    assert "Booked: Intro call with Raj Patel" in out


def test_inbox_as_json_and_show_one_message(sg, simulate):
    sg.client().send(sg.template_mail("ann@example.com"))

    code, out, _ = simulate("inbox", "--json")
    entry_id = json.loads(out)["messages"][0]["id"]
    show_code, shown, _ = simulate("show", entry_id)

    assert (code, show_code) == (0, 0)
    assert "You are booked for Intro call with Raj Patel." in shown


def test_fault_commands_make_the_api_fail_and_recover(sg, simulate):
    assert simulate("fault", "429", "--count", "1")[0] == 0
    with pytest.raises(http_errors.TooManyRequestsError):
        sg.client().send(sg.template_mail())

    assert simulate("fault", "down")[0] == 0
    with pytest.raises(http_errors.ServiceUnavailableError):
        sg.client().send(sg.template_mail())
    assert simulate("fault", "clear")[0] == 0
    assert sg.client().send(sg.template_mail()).status_code == 202


def test_public_key_prints_the_verification_key(sg, simulate):
    code, out, _ = simulate("public-key")

    assert code == 0 and out.strip() == sg.public_key()


def test_an_unknown_message_is_reported_on_stderr(simulate):
    code, _, err = simulate("show", "nope")

    assert code == 1 and "404" in err
