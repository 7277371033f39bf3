"""Sign-in and sign-up are rate limited per account and per address, in memory or in a shared Redis."""

from __future__ import annotations

import os
import secrets
import socket
import threading

import limits.storage.memory
import pytest
import redis

from tests.app.web_fixtures import PASSWORD, csrf_token, make_web_app, sign_in, sign_up

pytestmark = [pytest.mark.database, pytest.mark.auth]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_storage() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc} (CI must test the shared storage)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> dict:
    if request.param == "memory":
        return {"ratelimit_storage_uri": "memory://"}
    # A prefix of its own: tests running in parallel share the Redis server, never each other's counters.
    return {"ratelimit_storage_uri": _redis_storage(), "ratelimit_key_prefix": f"test-{secrets.token_hex(6)}"}


@pytest.fixture
def limited_app(db_url, storage):
    app = make_web_app(db_url, **storage)
    yield app
    app.extensions["booking_db"].dispose()


def test_wrong_passwords_for_one_account_are_stopped_and_the_right_one_waits(limited_app):
    sign_up(limited_app.test_client(), "grace@example.com")
    attacker = limited_app.test_client()
    answers = [sign_in(attacker, "grace@example.com", f"guess-number-{n}").status_code for n in range(5)]
    assert answers == [401] * 5
    refused = sign_in(attacker, "GRACE@example.com", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert "Signed in as" not in limited_app.test_client().get("/").get_data(as_text=True)


def test_signing_in_successfully_does_not_use_up_the_account_limit(limited_app):
    sign_up(limited_app.test_client(), "grace@example.com")
    answers = [sign_in(limited_app.test_client(), "grace@example.com").status_code for _ in range(7)]
    assert answers == [303] * 7


def test_one_address_trying_many_accounts_is_stopped(db_url, storage):
    app = make_web_app(db_url, sign_in_limit_per_address="4 per minute", **storage)
    try:
        attacker = app.test_client()
        answers = [sign_in(attacker, f"person{n}@example.com", "wrong-password").status_code for n in range(5)]
        assert answers == [401] * 4 + [429]
    finally:
        app.extensions["booking_db"].dispose()


def test_sign_up_is_limited_per_address_with_a_json_reason_for_scripts(db_url, storage):
    app = make_web_app(db_url, sign_up_limit_per_address="2 per minute", **storage)
    try:
        client = app.test_client()
        assert [sign_up(client, f"new{n}@example.com").status_code for n in range(2)] == [303, 303]
        token = csrf_token(client, "/signup")
        refused = client.post(
            "/signup",
            headers={"Accept": "application/json"},
            data={
                "csrf_token": token,
                "name": "N",
                "email": "new3@example.com",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
        )
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "too_many_requests"
        assert "Retry-After" in refused.headers
    finally:
        app.extensions["booking_db"].dispose()


def test_two_app_processes_share_the_counters_in_redis(db_url):
    shared = {"ratelimit_storage_uri": _redis_storage(), "ratelimit_key_prefix": f"test-{secrets.token_hex(6)}"}
    first, second = make_web_app(db_url, **shared), make_web_app(db_url, seed=False, **shared)
    try:
        sign_up(first.test_client(), "grace@example.com")
        for n in range(5):
            client = (first if n % 2 else second).test_client()
            assert sign_in(client, "grace@example.com", f"wrong-{n}").status_code == 401
        assert sign_in(first.test_client(), "grace@example.com").status_code == 429
        assert sign_in(second.test_client(), "grace@example.com").status_code == 429
    finally:
        first.extensions["booking_db"].dispose()
        second.extensions["booking_db"].dispose()


def test_with_limits_switched_off_sign_in_still_works(db_url):
    app = make_web_app(db_url, rate_limits_enabled=False)
    try:
        sign_up(app.test_client(), "grace@example.com")
        answers = [sign_in(app.test_client(), "grace@example.com", "wrong-password").status_code for _ in range(7)]
        assert answers == [401] * 7
        assert sign_in(app.test_client(), "grace@example.com").status_code == 303
    finally:
        app.extensions["booking_db"].dispose()


def test_many_machines_trying_one_account_are_stopped(limited_app):
    sign_up(limited_app.test_client(), "grace@example.com")
    machines = [limited_app.test_client() for _ in range(6)]
    for n, machine in enumerate(machines):
        machine.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
    answers = [sign_in(machine, "grace@example.com", f"guess-{n}").status_code for n, machine in enumerate(machines)]
    assert answers == [401] * 5 + [429]


def test_padding_an_email_past_its_longest_length_does_not_make_a_fresh_account_counter(db_url):
    # An address is at most 254 characters: what follows names no other account, so it counts against the same one.
    app = make_web_app(db_url, sign_up_limit_per_account="2 per minute")
    try:
        stem = "a" * 242 + "@example.com"
        assert len(stem) == 254
        answers = []
        for n, tail in enumerate(["x", "y", "z"]):
            machine = app.test_client()
            machine.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
            answers.append(sign_up(machine, stem + tail).status_code)
        assert answers == [422, 422, 429]
    finally:
        app.extensions["booking_db"].dispose()


def test_the_sign_in_page_is_still_served_once_an_account_is_locked(limited_app):
    sign_up(limited_app.test_client(), "grace@example.com")
    attacker = limited_app.test_client()
    assert [sign_in(attacker, "grace@example.com", f"guess-{n}").status_code for n in range(5)] == [401] * 5
    assert sign_in(attacker, "grace@example.com", "guess-5").status_code == 429
    # Only POSTs are limited: a GET is served even when it carries the locked account's form along.
    page = attacker.get("/signin", data={"email": "grace@example.com"})
    assert page.status_code == 200
    assert limited_app.test_client().get("/signin").status_code == 200


def test_sign_up_is_limited_per_account_named_in_the_form_across_addresses(db_url, storage):
    app = make_web_app(db_url, sign_up_limit_per_account="2 per minute", **storage)
    try:
        answers = []
        for n in range(3):
            machine = app.test_client()
            machine.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
            answers.append(sign_up(machine, "Grace@Example.com" if n else "grace@example.com").status_code)
        assert answers[2] == 429
        assert answers[:2] == [303, 409]  # the second finds the account already taken
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
        assert sign_up(other, "someone-else@example.com").status_code == 303
    finally:
        app.extensions["booking_db"].dispose()


def test_the_sign_up_page_keeps_loading_however_often_a_visitor_opens_it(db_url, storage):
    # Only sign-up POSTs count: reloading the empty form must not spend the budget of the account it will name.
    app = make_web_app(db_url, sign_up_limit_per_account="2 per minute", **storage)
    try:
        visitor = app.test_client()
        assert [visitor.get("/signup").status_code for _ in range(5)] == [200] * 5
        assert sign_up(visitor, "grace@example.com").status_code == 303
    finally:
        app.extensions["booking_db"].dispose()


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def time(self) -> float:
        return self.now


def test_the_window_moves_so_attempts_either_side_of_a_minute_still_count(db_url, monkeypatch):
    # A fixed window would start afresh a minute after the first attempt; a moving one counts the last 60 seconds.
    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    app = make_web_app(db_url, sign_in_limit_per_address="2 per minute")
    try:
        attacker = app.test_client()
        answers = []
        for n, at in enumerate([0.0, 50.0, 61.0, 62.0]):
            clock.now = 1_700_000_000.0 + at
            answers.append(sign_in(attacker, f"person{n}@example.com", "wrong-password").status_code)
        assert answers == [401, 401, 401, 429]
        clock.now += 50.0  # the attempts at 61 s and 62 s have left the window once it is past 121 s
        assert sign_in(attacker, "person9@example.com", "wrong-password").status_code == 401
    finally:
        app.extensions["booking_db"].dispose()


def test_with_redis_gone_the_limits_still_hold_in_each_process(db_url):
    """A Redis that stops answering must not open the door: the limiter falls back to counting in memory."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]  # a port nothing will answer on once this closes
    app = make_web_app(db_url, ratelimit_storage_uri=f"redis://127.0.0.1:{port}/0")
    try:
        sign_up(app.test_client(), "grace@example.com")
        attacker = app.test_client()
        answers = [sign_in(attacker, "grace@example.com", f"guess-number-{n}").status_code for n in range(5)]
        assert answers == [401] * 5
        assert sign_in(attacker, "grace@example.com", PASSWORD).status_code == 429
    finally:
        app.extensions["booking_db"].dispose()


def _change_password(client, current: str):
    return client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(client, "/account/password"),
            "current_password": current,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )


def test_a_signed_in_session_guessing_its_current_password_is_stopped(limited_app):
    """A stolen session must not become a way to guess the password behind it: the account limit applies."""
    thief = limited_app.test_client()
    sign_up(thief, "grace@example.com")
    answers = [_change_password(thief, f"guess-number-{n}").status_code for n in range(5)]
    assert answers == [401] * 5
    refused = _change_password(thief, PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert sign_in(limited_app.test_client(), "grace@example.com", PASSWORD).status_code == 303  # still unchanged


def test_a_redis_that_accepts_but_never_answers_does_not_hang_sign_in(db_url):
    """A Redis host that hangs (accepts the connection, never replies) costs a sign-in a moment, not forever."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:  # the kernel accepts; nobody ever reads
        port = silent.getsockname()[1]
        app = make_web_app(db_url, ratelimit_storage_uri=f"redis://127.0.0.1:{port}/0")
        try:
            answers: list[int] = []
            attempt = threading.Thread(
                target=lambda: answers.append(sign_in(app.test_client(), "nobody@example.com", "guess").status_code),
                daemon=True,
            )
            attempt.start()
            attempt.join(timeout=30)
            assert not attempt.is_alive(), "sign-in still waits on a Redis that never answers"
            assert answers == [401]
        finally:
            app.extensions["booking_db"].dispose()
