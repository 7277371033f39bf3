"""With the database unreachable, pages and forms answer 503 with Retry-After and a clear page, never 500."""

from __future__ import annotations

import socket

import pytest

from tests.app.web_fixtures import FREE_PATH, make_web_app, sign_up

pytestmark = pytest.mark.database


def _closed_port() -> int:
    with socket.socket() as probe:  # bound then released: nothing listens there afterwards
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_losing_its_database(db_url, db_backend, tmp_path):
    app = make_web_app(db_url)
    signed_in = app.test_client()
    assert sign_up(signed_in, "grace@example.com").status_code == 303
    app.extensions["booking_db"].dispose()
    from app_under_test.db import Database

    unreachable = (
        f"postgresql://postgres@127.0.0.1:{_closed_port()}/gone"
        if db_backend == "postgresql"
        else f"sqlite:///{tmp_path}/missing-dir-file/booking.sqlite3"
    )
    if db_backend == "sqlite":
        (tmp_path / "missing-dir-file").mkdir()
        (tmp_path / "missing-dir-file" / "booking.sqlite3").mkdir()  # a directory: SQLite cannot open it
    app.extensions["booking_db"] = Database(unreachable)
    yield app, signed_in
    app.extensions["booking_db"].dispose()


@pytest.mark.parametrize("path", ["/", "/builders/ada-stone", FREE_PATH, "/bookings/abc"])
def test_pages_say_the_service_is_briefly_unavailable(app_losing_its_database, path):
    app, _ = app_losing_its_database
    response = app.test_client().get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "Briefly unavailable" in page and 'data-error-code="service_unavailable"' in page


def test_a_signed_in_visitor_gets_the_page_too(app_losing_its_database):
    _, signed_in = app_losing_its_database
    response = signed_in.get("/")
    assert response.status_code == 503 and "Retry-After" in response.headers


def test_the_booking_post_answers_503(app_losing_its_database):
    app, _ = app_losing_its_database
    client = app.test_client()
    client.get("/signin")  # a CSRF token in the session, as a browser that showed the form has
    with client.session_transaction() as cookie:
        token = cookie.get("csrf_token")
    response = client.post(
        f"{FREE_PATH}/book",
        data={"slot": "2030-01-07T10:00:00Z", "timezone": "UTC", "name": "Grace", "email": "g@example.com"},
        headers={"X-CSRFToken": _signed(app, token)},
    )
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_the_json_api_answers_503_with_a_json_reason(app_losing_its_database):
    app, _ = app_losing_its_database
    response = app.test_client().get("/api/v1/bookings/abc")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"


def _signed(app, raw_token: str) -> str:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw_token)
