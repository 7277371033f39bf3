"""Logs are JSON lines with a request id, secrets never reach them, and errors reach monitoring."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, timedelta

import sentry_sdk
import structlog

from app_under_test import create_app
from app_under_test.config import Config
from app_under_test.observability import REDACTED, Redactor


def _config(tmp_path, **overrides) -> Config:
    return Config(
        database_url=f"sqlite:///{tmp_path}/o.sqlite3",
        stripe_secret_key="sk_test_abcdefghijkl",
        admin_api_token="operator-token-0123456789ab",
        **overrides,
    )


def test_request_logs_are_json_with_a_request_id(tmp_path, capsys):
    app = create_app(_config(tmp_path))
    response = app.test_client().get("/healthz", headers={"X-Request-Id": "req-42"})
    assert response.headers["X-Request-Id"] == "req-42"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("event") == "request"]
    assert request_lines and request_lines[-1]["request_id"] == "req-42"
    assert request_lines[-1]["status"] == 200 and request_lines[-1]["path"] == "/healthz"


def test_configured_secrets_and_secret_keys_are_redacted(tmp_path, capsys):
    create_app(_config(tmp_path))
    structlog.get_logger("t").info(
        "calling stripe with sk_test_abcdefghijkl",
        headers={"Authorization": "x"},
        note="token operator-token-0123456789ab inside",
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert "sk_test_abcdefghijkl" not in json.dumps(line)
    assert "operator-token-0123456789ab" not in json.dumps(line)
    assert line["headers"]["Authorization"] == REDACTED
    assert REDACTED in line["event"] and REDACTED in line["note"]


def test_a_log_field_named_like_a_secret_is_masked_whatever_its_value(tmp_path, capsys):
    """A careless ``log.info(password=...)`` leaks nothing, though the value is no configured secret."""
    create_app(_config(tmp_path))
    structlog.get_logger("t").info("signing in", password="hunter2-not-configured", stripe_signature="t=1,v1=abc")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["password"], line["stripe_signature"]) == (REDACTED, REDACTED)
    assert line["event"] == "signing in"


def test_redactor_scrubs_nested_structures():
    scrub = Redactor(["whsec_secret123"]).scrub
    assert scrub({"a": [{"b": "x whsec_secret123 y"}], "api_key": "zzz"}) == {
        "a": [{"b": f"x {REDACTED} y"}],
        "api_key": REDACTED,
    }


def test_a_secret_that_contains_another_is_redacted_whole():
    """One configured secret may hold another (a token inside a longer key): no part of the longer may show."""
    scrub = Redactor(["tok_9f2", "sk_live_tok_9f2_x81", "sk_live"]).scrub
    assert scrub("key sk_live_tok_9f2_x81, token tok_9f2") == f"key {REDACTED}, token {REDACTED}"


def test_unhandled_errors_are_sent_to_monitoring_without_secrets(tmp_path):
    captured: list[dict] = []
    app = create_app(_config(tmp_path, sentry_dsn="https://public@sentry.example.com/1"))
    client = sentry_sdk.get_client()
    client.transport.capture_envelope = lambda envelope: captured.extend(
        item.payload.json for item in envelope.items if item.payload.json
    )

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom with sk_test_abcdefghijkl")

    response = app.test_client().get("/explode")
    sentry_sdk.flush()
    assert response.status_code == 500
    assert captured, "the error should have been sent to the monitoring service"
    assert "boom" in json.dumps(captured) and "sk_test_abcdefghijkl" not in json.dumps(captured)
    sentry_sdk.init(dsn=None)


def test_an_error_sent_to_monitoring_names_the_apps_environment(tmp_path):
    captured: list[dict] = []
    app = create_app(_config(tmp_path, env="test", sentry_dsn="https://public@sentry.example.com/1"))
    sentry_sdk.get_client().transport.capture_envelope = lambda envelope: captured.extend(
        item.payload.json for item in envelope.items if item.payload.json
    )

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    try:
        assert app.test_client().get("/explode").status_code == 500
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
    events = [item for item in captured if "exception" in item]
    assert events and {event["environment"] for event in events} == {"test"}


def test_monitoring_receives_errors_only_and_no_trace_of_ordinary_requests(tmp_path):
    """Sentry is for errors here: requests that succeed send it no events and no performance transactions
    (which would carry every request's path and timing off the machine and use the monitoring quota)."""
    captured: list[str] = []
    app = create_app(_config(tmp_path, sentry_dsn="https://public@sentry.example.com/1"))
    sentry_sdk.get_client().transport.capture_envelope = lambda envelope: captured.extend(
        item.type or "" for item in envelope.items
    )

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    client = app.test_client()
    try:
        assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
        sentry_sdk.flush()
        quiet = list(captured)
        assert client.get("/explode").status_code == 500
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
    # sentry-sdk's own bookkeeping (session counts, client reports) may go; never a transaction, one error event
    assert "transaction" not in captured and "event" not in quiet
    assert captured.count("event") == 1


def test_logs_go_to_standard_error_and_leave_standard_output_to_command_output(tmp_path, capsys):
    app = create_app(_config(tmp_path))
    app.test_client().get("/healthz")
    structlog.get_logger("t").warning("something_to_note")
    out, err = capsys.readouterr()
    assert out == ""
    assert [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")][-1] == "something_to_note"


def test_logging_keeps_working_after_the_stream_it_started_on_is_closed(tmp_path, monkeypatch, capsys):
    # what a test's captured output, or a server's redirected one, does to standard error for a while
    passing = io.StringIO()
    monkeypatch.setattr(sys, "stderr", passing)
    create_app(_config(tmp_path))
    structlog.get_logger("t").info("while the stream was swapped")
    monkeypatch.undo()
    passing.close()

    structlog.get_logger("t").warning("mail_send_after_commit_failed", error="after it was closed")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["mail_send_after_commit_failed"]


def test_an_unhandled_error_is_logged_for_the_operator_with_its_traceback_and_request_id(tmp_path, capsys):
    app = create_app(_config(tmp_path))

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom with sk_test_abcdefghijkl")

    response = app.test_client().get("/explode", headers={"X-Request-Id": "req-500"})
    assert response.status_code == 500
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    errors = [line for line in lines if line.get("event") == "unhandled_exception"]
    assert len(errors) == 1
    assert errors[0]["level"] == "error" and errors[0]["request_id"] == "req-500"
    assert "Traceback (most recent call last)" in errors[0]["exception"]
    assert f"RuntimeError: boom with {REDACTED}" in errors[0]["exception"]
    assert "sk_test_abcdefghijkl" not in json.dumps(errors)


def _json_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("{")]


def test_every_log_line_is_stamped_in_utc_iso_8601(tmp_path, capsys):
    """Lines from servers in different zones line up in the log shipper: the stamp is UTC, with its zone."""
    create_app(_config(tmp_path))
    before = datetime.now(UTC)
    structlog.get_logger("t").warning("something_to_note")
    after = datetime.now(UTC)
    stamp = json.loads(_json_lines(capsys.readouterr().err)[-1])["timestamp"]
    assert stamp.endswith("Z")
    written = datetime.fromisoformat(stamp)
    assert written.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= written <= after + timedelta(seconds=1)


def test_every_log_line_lists_its_fields_in_alphabetical_order(tmp_path, capsys):
    """The same fields come in the same order on every line, whatever order the code passed them in."""
    app = create_app(_config(tmp_path))
    app.test_client().get("/healthz", headers={"X-Request-Id": "req-7"})
    structlog.get_logger("t").warning("something_to_note", zone="Europe/London", booking="B-1", attempt=2)
    lines = _json_lines(capsys.readouterr().err)
    request_line = next(line for line in lines if json.loads(line)["event"] == "request")
    for line in (request_line, lines[-1]):
        keys = list(json.loads(line))  # json keeps the order the line was written in
        assert keys == sorted(keys), line
    assert list(json.loads(lines[-1])) == ["attempt", "booking", "event", "level", "timestamp", "zone"]
