"""A body sent in chunks (``Transfer-Encoding: chunked``, no length) gets the same answer as one that declares its
length: read whole up to the endpoint's limit, a 413 with the JSON reason one byte past it.

In process: the request is built as a WSGI server (gunicorn, Werkzeug's own) hands it to the app, the body already
de-chunked and its end marked (``wsgi.input_terminated``), with no ``CONTENT_LENGTH``. The same requests over a real
socket, under gunicorn, are in ``test_app_process_body_limits.py``.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import sentry_sdk
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.app.signed_stripe_events import signed_stripe_event
from tests.app.web_fixtures import ADMIN_TOKEN, csrf_token, make_web_app, stats

pytestmark = [pytest.mark.database, pytest.mark.validation]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
AS_JSON = {"Content-Type": "application/json", "Accept": "application/json"}
TOO_LARGE = {"code": "request_entity_too_large", "message": "The request body is larger than this endpoint accepts."}
STRIPE_SECRET = "whsec_chunked_bodies_0123456789abcdef"
# How a client sends its body: with its length, in chunks, or in chunks with a Content-Length as well (RFC 9112
# ignores the length then, and so does Werkzeug; gunicorn refuses such a request, Werkzeug's own server passes it on).
DECLARED, CHUNKED, CHUNKED_AND_DECLARED = "declared", "chunked", "chunked-and-declared"


def sent_in_chunks(path: str, body: bytes, headers: dict[str, str], *, declared: bool = False) -> Request:
    """The request a WSGI server hands the app for ``body`` sent with ``Transfer-Encoding: chunked``."""
    environ = EnvironBuilder(path=path, method="POST", data=body, headers=headers).get_environ()
    del environ["CONTENT_LENGTH"]  # the test client always declares the length of what it sends
    if declared:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True  # what gunicorn and Werkzeug's server say of a de-chunked body
    request = Request(environ)
    assert request.headers["Transfer-Encoding"] == "chunked" and request.content_length is None
    assert ("Content-Length" in request.headers) is declared
    return request


def post(client, path: str, body: bytes, headers: dict[str, str], how: str):
    if how == DECLARED:
        return client.post(path, data=body, headers=headers)
    return client.open(sent_in_chunks(path, body, headers, declared=how == CHUNKED_AND_DECLARED))


def stored_webhooks(client) -> list[str]:
    return [event["dedupe_key"] for event in client.get("/admin/api/webhooks", headers=AUTH).get_json()["events"]]


@pytest.fixture
def signed_event() -> tuple[bytes, str]:
    return signed_stripe_event(STRIPE_SECRET, "evt_chunked_at_the_limit")


@pytest.mark.parametrize("how", [DECLARED, CHUNKED, CHUNKED_AND_DECLARED])
def test_a_signed_webhook_body_of_exactly_the_limit_is_read_whole_and_acknowledged_however_it_is_sent(
    db_url, signed_event, how
):
    body, signature = signed_event
    app = make_web_app(db_url, stripe_webhook_secret=STRIPE_SECRET, max_webhook_bytes=len(body))
    try:
        client = app.test_client()
        response = post(client, "/webhooks/stripe", body, AS_JSON | {"Stripe-Signature": signature}, how)
        assert (response.status_code, response.get_json()["status"]) == (200, "accepted"), response.get_json()
        assert stored_webhooks(client) == ["stripe:evt_chunked_at_the_limit"]
    finally:
        app.extensions["booking_db"].dispose()


@pytest.mark.parametrize("how", [CHUNKED, CHUNKED_AND_DECLARED])
@pytest.mark.parametrize("provider", ["stripe", "calendly", "sendgrid"])
def test_a_webhook_body_sent_in_chunks_one_byte_over_the_limit_is_a_413_with_a_json_reason_and_nothing_is_stored(
    db_url, signed_event, provider, how
):
    body, signature = signed_event  # read whole, it would verify (Stripe) or find no secret (the others)
    app = make_web_app(db_url, stripe_webhook_secret=STRIPE_SECRET, max_webhook_bytes=len(body) - 1)
    try:
        client = app.test_client()
        response = post(client, f"/webhooks/{provider}", body, AS_JSON | {"Stripe-Signature": signature}, how)
        assert (response.status_code, response.get_json()) == (413, {"error": TOO_LARGE})
        assert stored_webhooks(client) == []
    finally:
        app.extensions["booking_db"].dispose()


def builder_json(size: int) -> bytes:
    """An operator's new builder, padded with white space (which JSON ignores) to ``size`` bytes."""
    builder = json.dumps({"name": "Lin Wu", "timezone": "Asia/Tokyo", "email": "lin@example.com", "session_types": []})
    return (builder + " " * (size - len(builder))).encode()


@pytest.mark.parametrize("how", [CHUNKED, CHUNKED_AND_DECLARED])
def test_an_operator_json_body_sent_in_chunks_is_read_up_to_the_form_limit_and_refused_one_byte_over_it(db_url, how):
    app = make_web_app(db_url)
    try:
        client = app.test_client()
        limit = app.extensions["booking_config"].max_form_bytes
        before = stats(client)
        over = post(client, "/admin/api/builders", builder_json(limit + 1), AS_JSON | AUTH, how)
        assert (over.status_code, over.get_json()) == (413, {"error": TOO_LARGE})
        assert stats(client) == before
        at_the_limit = post(client, "/admin/api/builders", builder_json(limit), AS_JSON | AUTH, how)
        assert (at_the_limit.status_code, at_the_limit.get_json()) == (201, {"slug": "lin-wu", "session_types": []})
    finally:
        app.extensions["booking_db"].dispose()


def test_a_sign_up_form_sent_in_chunks_over_the_form_limit_is_a_413_and_makes_no_account(db_url):
    app = make_web_app(db_url)
    try:
        client = app.test_client()
        limit = app.extensions["booking_config"].max_form_bytes
        fields = {
            "csrf_token": csrf_token(client, "/signup"),
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
            "timezone": "Europe/London",
            "next": "",
        }
        form = urlencode(fields) + "&note="
        body = (form + "x" * (limit + 1 - len(form))).encode()
        before = stats(client)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        response = client.open(sent_in_chunks("/signup", body, headers))
        assert (response.status_code, response.get_json()) == (413, {"error": TOO_LARGE})
        assert stats(client) == before
    finally:
        app.extensions["booking_db"].dispose()


@pytest.mark.parametrize("how", [DECLARED, CHUNKED])
def test_a_failed_request_with_a_large_body_is_reported_to_monitoring_without_the_body_however_it_was_sent(
    db_url, monkeypatch, how
):
    # Sentry attaches a failed request's body to its report only when the body's length is at most 10,000 bytes
    # (max_request_body_size "medium"): a chunked body is measured by the length the app hands on with it.
    captured: list[dict] = []
    app = make_web_app(db_url, sentry_dsn="https://public@sentry.example.com/1")
    sentry_sdk.get_client().transport.capture_envelope = lambda envelope: captured.extend(
        item.payload.json for item in envelope.items if item.payload.json
    )

    def fail(*_args, **_kwargs):
        raise RuntimeError("the catalog failed")

    monkeypatch.setattr("app_under_test.views.admin_api.add_builder", fail)
    builder = {
        "name": "Lin Wu",
        "timezone": "Asia/Tokyo",
        "email": "lin@example.com",
        "bio": ("Private note. " * 715)[:10_000],
    }
    try:
        response = post(app.test_client(), "/admin/api/builders", json.dumps(builder).encode(), AS_JSON | AUTH, how)
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
        app.extensions["booking_db"].dispose()
    assert response.status_code == 500
    events = [event for event in captured if "exception" in event]
    assert [event["exception"]["values"][-1]["value"] for event in events] == ["the catalog failed"]
    reported = [event["request"] for event in events]
    assert [(request["method"], request["url"]) for request in reported] == [
        ("POST", "http://localhost/admin/api/builders")
    ]
    assert "Private note" not in json.dumps(reported), "the body was sent to monitoring with the request"
    # and the report says so: Sentry's mark for a body removed by its size limit, as for a body sent with its length
    assert [event["_meta"]["request"]["data"] for event in events] == [{"": {"rem": [["!config", "x"]]}}]
