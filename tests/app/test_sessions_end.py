"""Signing out and changing the password end every earlier session: a saved cookie signs nobody in."""

from __future__ import annotations

import pytest

from tests.app.web_fixtures import PASSWORD, browser, csrf_token, sign_in, sign_up, web_app  # noqa: F401 (pytest fixtures, used by name)

pytestmark = [pytest.mark.database, pytest.mark.auth]
NEW_PASSWORD = "a brand new passphrase"


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _is_signed_in(web_app, cookie: str) -> bool:
    replay = web_app.test_client()
    replay.set_cookie("session", cookie)
    return "Signed in as" in replay.get("/").get_data(as_text=True)


def _change_password(client, current: str, new: str):
    return client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(client, "/account/password"),
            "current_password": current,
            "password": new,
            "confirm": new,
        },
    )


def test_a_cookie_saved_before_sign_out_is_signed_out_afterwards(browser, web_app):
    sign_up(browser, "grace@example.com")
    saved = _session_cookie(browser)
    assert _is_signed_in(web_app, saved)
    browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})
    assert not _is_signed_in(web_app, saved)


def test_signing_in_again_after_sign_out_works(browser, web_app):
    sign_up(browser, "grace@example.com")
    browser.post("/signout", data={"csrf_token": csrf_token(browser, "/")})
    assert sign_in(browser, "grace@example.com").status_code == 303
    assert _is_signed_in(web_app, _session_cookie(browser))


def test_a_password_change_ends_other_sessions_and_keeps_this_one(browser, web_app):
    sign_up(browser, "grace@example.com")
    laptop = web_app.test_client()
    sign_in(laptop, "grace@example.com")
    laptop_cookie, old_cookie = _session_cookie(laptop), _session_cookie(browser)
    assert _change_password(browser, PASSWORD, NEW_PASSWORD).status_code == 303
    assert not _is_signed_in(web_app, laptop_cookie)
    assert not _is_signed_in(web_app, old_cookie)
    assert _is_signed_in(web_app, _session_cookie(browser))
    assert sign_in(web_app.test_client(), "grace@example.com", PASSWORD).status_code == 401
    assert sign_in(web_app.test_client(), "grace@example.com", NEW_PASSWORD).status_code == 303


def test_a_wrong_current_password_changes_nothing(browser, web_app):
    sign_up(browser, "grace@example.com")
    saved = _session_cookie(browser)
    response = _change_password(browser, "not my password", NEW_PASSWORD)
    assert response.status_code == 401
    assert "not your current password" in response.get_data(as_text=True)
    assert _is_signed_in(web_app, saved)


def test_changing_the_password_needs_a_signed_in_client(web_app):
    response = web_app.test_client().get("/account/password")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


@pytest.mark.parametrize("user_id", ["{id}", "{id}.", "{id}.latest", "x.{version}"])
def test_a_cookie_whose_user_id_is_not_an_id_and_a_session_version_signs_nobody_in(browser, web_app, user_id):
    """A cookie from before sessions were versioned carried the bare client id: it signs out, it does not fail."""
    sign_up(browser, "grace@example.com")
    with browser.session_transaction() as cookie:
        client_id, _, version = cookie["_user_id"].partition(".")
        cookie["_user_id"] = user_id.format(id=client_id, version=version)
    page = browser.get("/")
    assert page.status_code == 200
    assert "Signed in as" not in page.get_data(as_text=True)
