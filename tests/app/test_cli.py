"""``booking-app``, the operator's entry point: its help, its refusals and their exit codes, and ``serve``'s settings.

Run in-process through the console script's ``main`` (what ``pip install`` puts on the PATH calls it);
``serve`` stops short of starting gunicorn, so what it would start gunicorn with can be read.
The processes themselves are started by the slow tests (``tests/app/test_app_process.py``).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from app_under_test import cli
from app_under_test.config import BRIEF_VARIABLES
from app_under_test.wsgi_server import BookingServer

SERVER_VARIABLES = ("BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS")


@pytest.fixture
def operator_shell(monkeypatch, tmp_path):
    """A shell with a development configuration on a database of its own, and none of the server's variables."""
    for name in [*BRIEF_VARIABLES, *SERVER_VARIABLES, "APP_ENV", "SECRET_KEY", "ADMIN_API_TOKEN", "FLASK_APP"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'booking.sqlite3'}")
    monkeypatch.setenv("LOG_LEVEL", "CRITICAL")
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")  # Flask's CLI sets it; restored after the test
    return monkeypatch


@pytest.fixture
def gunicorn_settings(operator_shell) -> dict[str, Any]:
    """What ``serve`` configured gunicorn with; gunicorn itself is not started."""
    seen: dict[str, Any] = {}

    def run_instead(server: BookingServer) -> None:
        seen.update({name: setting.get() for name, setting in server.cfg.settings.items()})

    operator_shell.setattr(BookingServer, "run", run_instead)
    return seen


def booking_app(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``booking-app ARGS`` as the installed script does: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/some-other-name", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1 if code else 0), out, err


def test_help_names_the_program_and_lists_the_operator_commands(operator_shell, capsys):
    code, out, _ = booking_app(operator_shell, capsys, "--help")
    assert code == 0
    assert out.startswith("Usage: booking-app ")
    for command in ("serve", "seed", "db-upgrade", "check-config", "webhooks"):
        assert f"\n  {command} " in out, f"{command} is not listed:\n{out}"


def test_an_unknown_command_is_refused_with_exit_code_2_naming_it(operator_shell, capsys):
    code, out, err = booking_app(operator_shell, capsys, "sede")
    assert code == 2
    assert out == ""
    assert "Usage: booking-app" in err and "No such command 'sede'" in err


def test_a_bad_argument_is_refused_before_anything_starts(operator_shell, gunicorn_settings, capsys):
    code, _, err = booking_app(operator_shell, capsys, "serve", "--workers", "0")
    assert code == 2
    assert "Invalid value for '--workers'" in err
    assert gunicorn_settings == {}


def test_a_production_configuration_with_problems_is_one_message_on_stderr_and_exit_code_2(
    operator_shell, gunicorn_settings, capsys
):
    operator_shell.setenv("APP_ENV", "production")
    code, out, err = booking_app(operator_shell, capsys, "serve")
    assert code == 2
    assert out == ""
    assert err.startswith("configuration is not usable (")
    assert "  - STRIPE_SECRET_KEY is missing\n" in err
    assert gunicorn_settings == {}  # gunicorn never started


def test_serve_without_settings_runs_two_workers_of_four_threads_on_the_local_port(
    operator_shell, gunicorn_settings, capsys
):
    code, _, _ = booking_app(operator_shell, capsys, "serve")
    assert code == 0
    assert gunicorn_settings["bind"] == ["127.0.0.1:8000"]
    assert (gunicorn_settings["workers"], gunicorn_settings["threads"]) == (2, 4)
    assert (gunicorn_settings["timeout"], gunicorn_settings["graceful_timeout"]) == (30, 10)
    assert gunicorn_settings["keepalive"] == 75
    assert gunicorn_settings["accesslog"] is None and gunicorn_settings["errorlog"] == "-"
    assert gunicorn_settings["proc_name"] == "booking-app"


def test_serve_reads_its_address_workers_and_threads_from_the_environment(operator_shell, gunicorn_settings, capsys):
    operator_shell.setenv("BIND", "0.0.0.0:9000")
    operator_shell.setenv("WEB_CONCURRENCY", "5")
    operator_shell.setenv("GUNICORN_THREADS", " 8 ")
    code, _, _ = booking_app(operator_shell, capsys, "serve", "--access-log", "--timeout", "5")
    assert code == 0
    assert gunicorn_settings["bind"] == ["0.0.0.0:9000"]
    assert (gunicorn_settings["workers"], gunicorn_settings["threads"]) == (5, 8)
    assert (gunicorn_settings["timeout"], gunicorn_settings["graceful_timeout"]) == (5, 5)
    assert gunicorn_settings["accesslog"] == "-"


def test_serve_options_win_over_the_environment_and_a_non_number_there_is_ignored(
    operator_shell, gunicorn_settings, capsys
):
    operator_shell.setenv("BIND", "0.0.0.0:9000")
    operator_shell.setenv("WEB_CONCURRENCY", "lots")
    operator_shell.setenv("GUNICORN_THREADS", "8")
    code, _, _ = booking_app(
        operator_shell, capsys, "serve", "--bind", "127.0.0.1:7001", "--bind", "unix:/tmp/b.sock", "--threads", "3"
    )
    assert code == 0
    assert gunicorn_settings["bind"] == ["127.0.0.1:7001", "unix:/tmp/b.sock"]
    assert (gunicorn_settings["workers"], gunicorn_settings["threads"]) == (2, 3)
