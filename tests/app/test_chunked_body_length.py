"""A body sent in chunks is handed on with its length, as if the client had declared it: what reads the
length after the app's body limit (the monitoring client, deciding whether a body is small enough to
attach to an error report) treats it like the same body sent with a Content-Length."""

from __future__ import annotations

import io
import json

import sentry_sdk
from flask import request
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app_under_test import create_app
from app_under_test.config import Config

# Over the monitoring client's default limit for attaching a body (10 kB), within the app's form limit.
BODY = json.dumps({"note": "n" * 20_000, "marker": "a-body-too-big-to-report"}).encode()


def _config(tmp_path) -> Config:
    return Config(
        database_url=f"sqlite:///{tmp_path}/c.sqlite3",
        stripe_secret_key="sk_test_abcdefghijkl",
        admin_api_token="operator-token-0123456789ab",
        sentry_dsn="https://public@sentry.example.com/1",
    )


def _request(*, chunked: bool) -> Request:
    headers = {"Transfer-Encoding": "chunked"} if chunked else {}
    builder = EnvironBuilder(
        path="/explode",
        method="POST",
        headers=headers,
        content_type="application/json",
        input_stream=io.BytesIO(BODY),
    )
    environ = builder.get_environ()
    if chunked:  # what gunicorn hands the app for a chunked body: no length, a stream the server ends
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
    return Request(environ)


def test_a_chunked_body_too_big_to_attach_to_an_error_report_is_left_out_like_a_declared_one(tmp_path):
    captured: list[dict] = []
    app = create_app(_config(tmp_path))
    sentry_sdk.get_client().transport.capture_envelope = lambda envelope: captured.extend(
        item.payload.json for item in envelope.items if item.payload.json and "exception" in item.payload.json
    )
    seen: list[int] = []

    @app.post("/explode")
    def explode():
        seen.append(len(request.get_data()))
        raise RuntimeError("boom")

    app.extensions["csrf"].exempt(explode)
    try:
        client = app.test_client()
        declared = client.open(_request(chunked=False))
        chunked = client.open(_request(chunked=True))
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)

    assert (declared.status_code, chunked.status_code) == (500, 500)
    assert seen == [len(BODY), len(BODY)], "the view should read the whole body both times"
    assert len(captured) == 2, "both errors should reach the monitoring service"
    declared_report, chunked_report = (event["request"] for event in captured)
    assert "a-body-too-big-to-report" not in json.dumps(captured)
    assert chunked_report.get("data") == declared_report.get("data")
