"""An unserved booking app (Flask's test client) on a scenario database, with one builder to book.

For tests of the app's own HTTP behaviour (hostile input, headers, sessions, limits) that need no
provider: the local schedule offers the slots, and a paid session type points at a Stripe that is
never reached (the tests only go as far as the checks made before calling it).
"""

from __future__ import annotations

import re
import secrets

import pytest

from app_under_test import create_app
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder, add_pathway
from app_under_test.config import Config
from app_under_test.db import get_db

ADMIN_TOKEN = "operator-token-for-web-tests-0123456789"
PASSWORD = "correct horse battery"
FREE_PATH = "/builders/ada-stone/sessions/intro-call"
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def make_web_app(db_url: str, *, seed: bool = True, **overrides):
    settings = {"stripe_secret_key": "sk_test_never_called", "stripe_api_base": "http://127.0.0.1:9", **overrides}
    config = Config(
        env="test",
        database_url=db_url,
        secret_key=secrets.token_hex(32),
        admin_api_token=ADMIN_TOKEN,
        log_level="CRITICAL",
        **settings,
    )
    app = create_app(config)
    if not seed:  # a second app process on a database another one already seeded
        return app
    with app.app_context(), get_db().transaction() as session:
        add_pathway(session, "First-time founder", "")
        add_builder(
            session,
            BuilderSpec(
                name="Ada Stone",
                timezone="Europe/London",
                email="ada@example.com",
                session_types=[
                    SessionTypeSpec("Intro call", "free", 30),
                    SessionTypeSpec("Pathway call", "pathway", 30),
                    SessionTypeSpec("Deep dive", "paid", 60, 4500, "gbp"),
                ],
            ),
        )
    return app


@pytest.fixture
def web_app(db_url):
    app = make_web_app(db_url)
    yield app
    app.extensions["booking_db"].dispose()


@pytest.fixture
def browser(web_app):
    return web_app.test_client()


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_up(
    client,
    email: str,
    *,
    name: str = "Grace Hopper",
    password: str = PASSWORD,
    next_path: str = "",
    timezone: str = "Europe/London",
):
    return client.post(
        "/signup",
        data={
            "csrf_token": csrf_token(client, "/signup"),
            "name": name,
            "email": email,
            "password": password,
            "confirm": password,
            "timezone": timezone,
            "next": next_path,
        },
    )


def sign_in(client, email: str, password: str = PASSWORD, *, next_path: str = ""):
    return client.post(
        "/signin",
        data={"csrf_token": csrf_token(client, "/signin"), "email": email, "password": password, "next": next_path},
    )


def first_slot(client, path: str = FREE_PATH) -> str:
    page = client.get(path, query_string={"tz": "UTC"}).get_data(as_text=True)
    found = re.search(r'name="slot" value="([^"]+)"', page)
    assert found, f"no slot offered on {path}"
    return found.group(1)


def book_free(
    client,
    *,
    name: str = "Grace Hopper",
    email: str = "grace@example.com",
    slot: str | None = None,
    timezone: str = "UTC",
):
    return client.post(
        f"{FREE_PATH}/book",
        data={
            "csrf_token": csrf_token(client, FREE_PATH),
            "slot": slot or first_slot(client),
            "timezone": timezone,
            "name": name,
            "email": email,
        },
    )


def stats(client) -> dict:
    return client.get("/admin/api/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
