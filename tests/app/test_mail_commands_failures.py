"""``booking-app mail provision-templates`` and ``register-webhook`` when SendGrid refuses or never answers: the
operator is told SendGrid's status and its own words (cut to 300 characters), and the command exits non-zero."""

from __future__ import annotations

import socket
import threading

import pytest
from flask import Flask, Response

from harness.servers import serve_in_thread
from tests.app.web_fixtures import make_web_app

pytestmark = [pytest.mark.email, pytest.mark.database]
REFUSAL = '{"errors":[{"message":"authorization required"}]}'


@pytest.fixture
def refusing_sendgrid():
    fake = Flask("refusing-sendgrid")

    @fake.route("/<path:anything>", methods=["GET", "POST", "PATCH", "PUT"])
    def refuse(anything: str):
        if "user/webhooks" in anything:  # bytes that are not UTF-8, and more than the operator needs to read
            return Response(b"\xff" + b"x" * 400, status=401, content_type="application/json")
        return Response(REFUSAL, status=401, content_type="application/json")

    running = serve_in_thread(fake, name="refusing-sendgrid")
    yield running.url
    running.stop()


def test_a_refused_provisioning_names_sendgrids_status_and_reason(db_url, refusing_sendgrid):
    app = make_web_app(db_url, sendgrid_api_key="SG.refused.key", sendgrid_api_base=refusing_sendgrid)
    result = app.test_cli_runner().invoke(args=["mail", "provision-templates"])
    assert result.exit_code == 1
    assert f"Error: provisioning failed: SendGrid answered 401: {REFUSAL}" in result.output
    registered = app.test_cli_runner().invoke(
        args=["mail", "register-webhook", "--url", "https://book.example.com/webhooks/sendgrid"]
    )
    assert registered.exit_code == 1
    expected = f"Error: registering the event webhook failed: SendGrid answered 401: \ufffd{'x' * 299}\n"
    assert registered.output.endswith(expected)
    app.extensions["booking_db"].dispose()


@pytest.fixture
def keyless_sendgrid():
    """A SendGrid that accepts the Event Webhook settings but answers the signing request with no body (204)."""
    fake = Flask("keyless-sendgrid")

    @fake.patch("/v3/user/webhooks/event/settings")
    def settings():
        return {"enabled": True, "url": "https://book.example.com/webhooks/sendgrid"}

    @fake.patch("/v3/user/webhooks/event/settings/signed")
    def signed():
        return Response(status=204)

    running = serve_in_thread(fake, name="keyless-sendgrid")
    yield running.url
    running.stop()


def test_a_signing_answer_without_a_body_fails_the_registration_saying_no_verification_key_came_back(
    db_url, keyless_sendgrid
):
    app = make_web_app(db_url, sendgrid_api_key="SG.keyless.key", sendgrid_api_base=keyless_sendgrid)
    registered = app.test_cli_runner().invoke(
        args=["mail", "register-webhook", "--url", "https://book.example.com/webhooks/sendgrid"]
    )
    assert registered.exit_code == 1
    assert registered.output.endswith(
        "Error: registering the event webhook failed: "
        "SendGrid returned no verification key for the signed Event Webhook\n"
    )
    app.extensions["booking_db"].dispose()


def test_an_unreachable_sendgrid_is_named_as_such(db_url):
    app = make_web_app(db_url, sendgrid_api_key="SG.refused.key", sendgrid_api_base="http://127.0.0.1:9")
    result = app.test_cli_runner().invoke(args=["mail", "provision-templates"])
    assert result.exit_code == 1 and "Error: provisioning failed: " in result.output
    assert "SendGrid answered" not in result.output and "refused" in result.output.lower()
    app.extensions["booking_db"].dispose()


def test_a_sendgrid_that_never_answers_fails_the_provisioning_instead_of_hanging_it(db_url, monkeypatch):
    """A connection SendGrid accepts and never answers ends after the provisioning timeout with an error."""
    from app_under_test.mail import provision

    monkeypatch.setattr(provision, "PROVISION_TIMEOUT_SECONDS", 0.5)  # 30 s in production
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are queued by the kernel and never read nor answered
    app = make_web_app(
        db_url, sendgrid_api_key="SG.silent.key", sendgrid_api_base=f"http://127.0.0.1:{silent.getsockname()[1]}"
    )
    outcome: dict = {}
    command = threading.Thread(
        target=lambda: outcome.update(result=app.test_cli_runner().invoke(args=["mail", "provision-templates"])),
        daemon=True,
    )
    try:
        command.start()
        command.join(timeout=20)  # a bound on a hang, not a wait for something to happen
        assert not command.is_alive(), "provision-templates still waiting on a SendGrid that never answers"
        result = outcome["result"]
        assert result.exit_code == 1 and "Error: provisioning failed: " in result.output
        assert "timed out" in result.output.lower()
    finally:
        silent.close()
        app.extensions["booking_db"].dispose()
