"""The mail code against the SendGrid simulator over real HTTP, through the official library.

Provisioning creates and then leaves alone the dynamic templates; a send renders
them as SendGrid would; SendGrid's failures map to sent, retry or dead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.mail import compose, delivery, kinds, outbox, provision, sender
from app_under_test.models import OutboxMessage
from harness import http_clients
from tests.app.log_capture import info_logs
from tests.app.mail_fixtures import make_booking

pytestmark = pytest.mark.email
API_KEY = "SG.mail-tests.key"


@pytest.fixture
def config(simulators) -> Config:
    http_clients.post(
        f"{simulators.url}/_sim/sendgrid/config", json={"api_keys": [API_KEY]}, timeout=30
    ).raise_for_status()
    config = Config(
        env="test",
        sendgrid_api_key=API_KEY,
        sendgrid_api_base=f"{simulators.url}/sendgrid",
        mail_from="Builders Marketplace <bookings@marketplace.example.com>",
        public_base_url="https://book.example.com",
    )
    for name, template_id in provision.provision_templates(config).items():
        setattr(config, next(t.config_attr for t in kinds.TEMPLATES.values() if t.env_name == name), template_id)
    return config


def control(simulators, method: str, path: str, **kwargs) -> dict:
    response = http_clients.request(method, f"{simulators.url}/_sim/sendgrid{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def confirmation_mail(config: Config, message_id: int = 7) -> outbox.Claimed:
    booking = make_booking()
    data = compose.confirmation(config, booking, compose.client_of(booking))
    return outbox.Claimed(message_id, "confirmation", "grace@example.com", config.sendgrid_booking_template_id, data, 0)


def send(config: Config, message: outbox.Claimed) -> sender.SendResult:
    return sender.send(sender.sendgrid_client(config), sender.build_mail(config, message, message.template_id))


def test_provisioning_creates_dynamic_templates_once_and_prints_their_ids(simulators, config):
    listed = control(simulators, "GET", "/templates")["templates"]
    ours = {t["name"]: t for t in listed if t["name"].startswith("Booking service: ")}

    assert sorted(ours) == sorted(t.name for t in kinds.TEMPLATES.values())
    assert all(len(t["versions"]) == 1 and t["versions"][0]["active"] == 1 for t in ours.values())
    again = provision.provision_templates(config)
    assert again["SENDGRID_BOOKING_TEMPLATE_ID"] == config.sendgrid_booking_template_id
    assert all(
        len(t["versions"]) == 1
        for t in control(simulators, "GET", "/templates")["templates"]
        if t["name"].startswith("Booking service: ")
    )


def test_provisioned_versions_open_in_sendgrids_code_editor_with_the_projects_own_text_part(simulators, config):
    listed = control(simulators, "GET", "/templates")["templates"]
    for template in kinds.TEMPLATES.values():
        [version] = next(t for t in listed if t["name"] == template.name)["versions"]
        assert (version["editor"], version["generate_plain_content"]) == ("code", False)
        assert version["plain_content"] == kinds.template_sources(template.key)["plain_content"]


def test_a_changed_source_becomes_a_new_active_version(simulators, config, monkeypatch):
    original = kinds.template_sources

    def edited(key: str) -> dict[str, str]:
        sources = original(key)
        return {**sources, "subject": "Changed: " + sources["subject"]} if key == "booking_reminder" else sources

    monkeypatch.setattr(kinds, "template_sources", edited)
    provision.provision_templates(config)
    reminder = next(
        t
        for t in control(simulators, "GET", "/templates")["templates"]
        if t["id"] == config.sendgrid_reminder_template_id
    )
    assert [v["active"] for v in reminder["versions"]] == [0, 1]
    assert reminder["versions"][1]["subject"].startswith("Changed: ")


def test_a_send_is_rendered_from_the_template_with_every_variable_filled(simulators, config):
    result = send(config, confirmation_mail(config))

    assert result.outcome == "sent" and result.message_id
    [mail] = control(simulators, "GET", "/messages", params={"to": "grace@example.com"})["messages"]
    assert mail["message_id"] == result.message_id
    assert mail["subject"] == "Booked: Intro call with Ada Stone on Friday 26 March 2027, 17:00 Europe/London (GMT)"
    assert (mail["from_email"], mail["from_name"], mail["to_name"]) == (
        "bookings@marketplace.example.com",
        "Builders Marketplace",
        "Grace Hopper",
    )
    assert mail["missing_variables"] == [] and mail["render_errors"] == []
    assert mail["custom_args"] == {"outbox_id": "7", "mail_kind": "confirmation", "booking": "bk-ref-0001"}


def test_a_template_made_in_the_sendgrid_account_can_print_the_readers_zone_on_its_own(simulators, config):
    # The account's own "Booking confirmation" (the simulator's pre-loaded one), not provisioned by the app:
    # an operator who points SENDGRID_BOOKING_TEMPLATE_ID at it gets "When: <time> (<zone>)" filled in.
    account_template = "d-9c85b537974ed61735fda4e8f18e9e7c"
    result = send(config, replace(confirmation_mail(config), template_id=account_template))

    assert result.outcome == "sent"
    [mail] = control(simulators, "GET", "/messages", params={"to": "grace@example.com"})["messages"]
    assert mail["template_id"] == account_template and mail["missing_variables"] == []
    assert "When: Friday 26 March 2027, 17:00 Europe/London (GMT) (Europe/London)" in mail["text"]


def test_a_rejected_key_is_dead_at_once_with_an_operator_visible_error(simulators, config):
    control(simulators, "POST", "/config", json={"api_keys": ["SG.some-other-key"]})
    result = send(config, confirmation_mail(config))

    assert result.outcome == "dead"
    assert result.error.startswith("SendGrid rejected the API key (401): The provided authorization grant is invalid")
    assert API_KEY not in result.error


@pytest.mark.parametrize(("fault", "expected"), [(500, "SendGrid answered 500"), (503, "SendGrid answered 503")])
def test_server_errors_are_retried(simulators, config, fault, expected):
    control(simulators, "POST", "/faults", json={"status": fault, "count": 1})
    result = send(config, confirmation_mail(config))

    assert (result.outcome, result.error.split(":")[0]) == ("retry", expected)
    assert send(config, confirmation_mail(config)).outcome == "sent"


def test_a_rate_limit_is_retried_no_earlier_than_its_reset(simulators, config):
    control(simulators, "POST", "/faults", json={"status": 429, "count": 1})
    result = send(config, confirmation_mail(config))

    assert result.outcome == "retry" and result.error.startswith("SendGrid rate limit (429)")
    assert result.not_before is not None and result.not_before > datetime.now(UTC)


def test_a_bad_template_id_is_dead_with_sendgrids_reason(config):
    message = confirmation_mail(config)
    result = send(config, outbox.Claimed(message.id, message.kind, message.recipient, "d-" + "f" * 32, message.data, 0))

    assert result.outcome == "dead" and result.error.startswith("SendGrid answered 400")


def test_an_unreachable_sendgrid_is_retried():
    config = Config(env="test", sendgrid_api_key=API_KEY, sendgrid_api_base="http://127.0.0.1:9")
    result = sender.send(
        sender.sendgrid_client(config, timeout=2), sender.build_mail(config, confirmation_mail(config), "d-" + "0" * 32)
    )

    assert result.outcome == "retry" and result.error.startswith("SendGrid could not be reached")


@pytest.mark.database
def queue_confirmation(session, config: Config, reference: str, recipient: str) -> None:
    """A client's confirmation queued as the booking code queues it, the template left to the configuration."""
    outbox.enqueue(
        session,
        key=f"confirmation:{reference}:client",
        kind="confirmation",
        recipient=recipient,
        template_id="",
        data=confirmation_mail(config).data,
        booking_id=None,
    )


def test_delivery_after_commit_sends_once_and_send_due_retries_after_an_outage(simulators, config, db_url):
    db = Database(db_url)
    delivery.install_commit_hook(db, config)
    try:
        control(simulators, "POST", "/faults", json={"status": 503, "down": True})
        with db.transaction() as session:
            queue_confirmation(session, config, "bk-ref-0001", "grace@example.com")
        with db.reader() as session:
            row = session.scalar(select(OutboxMessage))
        assert (row.status, row.attempts) == ("retry", 1)
        control(simulators, "DELETE", "/faults")

        assert delivery.send_due(db, config, now=datetime.now(UTC)) == {}  # not due for a minute
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert delivery.send_due(db, config, now=later) == {"sent": 1}
        assert delivery.send_due(db, config, now=later + timedelta(days=1)) == {}
        assert len(control(simulators, "GET", "/messages", params={"to": "grace@example.com"})["messages"]) == 1
        with db.reader() as session:
            row = session.scalar(select(OutboxMessage))
        assert (row.status, row.attempts, row.template_id) == ("sent", 2, config.sendgrid_booking_template_id)
    finally:
        db.dispose()


def test_a_send_after_commit_that_loses_the_database_returns_quietly_and_warns_the_operator(tmp_path):
    # The booking has committed; then the database cannot be opened to claim its mail (a directory, not a file).
    (tmp_path / "booking.sqlite3").mkdir()
    lost = Database(f"sqlite:///{tmp_path}/booking.sqlite3")
    config = Config(env="test", sendgrid_api_key=API_KEY, sendgrid_api_base="http://127.0.0.1:9")
    try:
        with info_logs() as logs:
            assert delivery.send_now(lost, config, [1]) == {"error": 1}
    finally:
        lost.dispose()
    [warning] = [line for line in logs if line["event"] == "mail_send_after_commit_failed"]
    assert warning["log_level"] == "warning" and warning["error"].startswith("OperationalError: ")


def test_every_send_attempt_is_logged_a_failed_one_as_a_warning_with_sendgrids_error(simulators, config, db_url):
    db = Database(db_url)
    try:
        with db.transaction() as session:
            queue_confirmation(session, config, "bk-ref-0003", "lin@example.com")
        control(simulators, "POST", "/faults", json={"status": 503, "down": True})
        with info_logs() as logs:
            delivery.send_due(db, config, now=datetime.now(UTC))
            control(simulators, "DELETE", "/faults")
            delivery.send_due(db, config, now=datetime.now(UTC) + timedelta(minutes=2))
        attempts = [line for line in logs if line["event"] == "mail_attempt"]
        assert [(line["log_level"], line["kind"], line["status"]) for line in attempts] == [
            ("warning", "confirmation", "retry"),
            ("info", "confirmation", "sent"),
        ]
        assert attempts[0]["error"] and attempts[1]["error"] is None
        assert attempts[0]["outbox_id"] == attempts[1]["outbox_id"]
    finally:
        db.dispose()


def test_a_mail_whose_template_is_not_configured_is_dead_naming_the_setting_and_nothing_is_sent(
    simulators, config, db_url
):
    config.sendgrid_booking_template_id = ""  # the operator never set it (and the row names none either)
    db = Database(db_url)
    try:
        with db.transaction() as session:
            queue_confirmation(session, config, "bk-ref-0002", "ada@example.com")
        assert delivery.send_due(db, config, now=datetime.now(UTC)) == {"dead": 1}
        with db.reader() as session:
            row = session.scalar(select(OutboxMessage))
        setting = kinds.template_for("confirmation").env_name
        assert (row.status, row.attempts, row.last_error) == ("dead", 1, f"{setting} is not configured")
        assert control(simulators, "GET", "/messages", params={"to": "ada@example.com"})["messages"] == []
    finally:
        db.dispose()


def test_the_event_webhook_is_registered_for_bounces_and_drops(simulators, config):
    key = provision.register_event_webhook(config, "https://book.example.com/webhooks/sendgrid")

    assert key == control(simulators, "GET", "/event_webhook/public_key")["public_key"]
    settings = control(simulators, "GET", "/config")
    assert settings["event_webhook_url"] == "https://book.example.com/webhooks/sendgrid"
    assert settings["event_webhook_enabled"] is True
    assert settings["event_kinds"]["bounce"] and settings["event_kinds"]["dropped"]
    assert not settings["event_kinds"]["delivered"] and not settings["event_kinds"]["processed"]


def test_a_refusal_names_the_field_sendgrid_objected_to(config):
    message = confirmation_mail(config)
    result = send(config, outbox.Claimed(message.id, message.kind, message.recipient, "d-" + "f" * 32, message.data, 0))

    assert result.outcome == "dead"
    assert result.error == (
        "SendGrid answered 400: The template id must be a valid template id for your account. "
        f"You provided d-{'f' * 32} (template_id)"
    )
