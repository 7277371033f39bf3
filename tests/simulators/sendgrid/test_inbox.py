"""The captured inbox: one entry per recipient, filters, lookup, clearing, reset, and the HTML pages."""

from __future__ import annotations

import pytest
from sendgrid.helpers.mail import Bcc, Cc, Mail, Personalization, To

pytestmark = pytest.mark.email


def _two_personalizations_mail(sg) -> Mail:
    mail = Mail(from_email="bookings@builders.test")
    mail.template_id = sg.confirmation_template
    first = Personalization()
    first.add_to(To("ann@example.com"))
    first.add_cc(Cc("coach@example.com"))
    first.add_bcc(Bcc("audit@example.com"))
    first.dynamic_template_data = {**sg.confirmation_data, "client_name": "Ann"}
    second = Personalization()
    second.add_to(To("bo@example.com", "Bo"))
    second.dynamic_template_data = {**sg.confirmation_data, "client_name": "Bo"}
    mail.add_personalization(first)
    mail.add_personalization(second)
    return mail


def test_every_recipient_gets_an_entry_rendered_with_its_own_personalization(sg):
    message_id = sg.client().send(_two_personalizations_mail(sg)).headers["X-Message-Id"]

    entries = {e["to"]: e for e in sg.messages(message_id=message_id)}
    assert {to: e["recipient_type"] for to, e in entries.items()} == {
        "ann@example.com": "to",
        "coach@example.com": "cc",
        "audit@example.com": "bcc",
        "bo@example.com": "to",
    }
    # The library puts a personalization added later first; what matters is who shares one.
    assert entries["ann@example.com"]["personalization_index"] == entries["audit@example.com"]["personalization_index"]
    assert entries["ann@example.com"]["personalization_index"] != entries["bo@example.com"]["personalization_index"]
    assert "Hi Ann," in entries["coach@example.com"]["text"] and "Hi Bo," in entries["bo@example.com"]["text"]
    assert entries["bo@example.com"]["to_name"] == "Bo"
    assert len({e["id"] for e in entries.values()}) == 4


def test_filters_by_recipient_template_subject_and_time(sg):
    sg.client().send(sg.template_mail("ann@example.com"))
    sg.post_send(sg.plain_body(subject="Your receipt"))
    sg.simulator.hub.clock.advance(3600)
    later = sg.simulator.hub.clock.now() - 1
    sg.client().send(sg.template_mail("cy@example.com"))

    assert [e["to"] for e in sg.messages(to="ANN@example.com")] == ["ann@example.com", "ann@example.com"]
    assert len(sg.messages(template_id=sg.confirmation_template)) == 2
    assert [e["subject"] for e in sg.messages(subject_contains="receipt")] == ["Your receipt"]
    assert [e["to"] for e in sg.messages(since=later)] == ["cy@example.com"]


def test_one_message_by_id_and_clearing(sg):
    sg.client().send(sg.template_mail())
    entry_id = sg.messages()[0]["id"]

    fetched = sg.control("GET", f"/messages/{entry_id}")
    assert fetched.status_code == 200 and fetched.json()["id"] == entry_id
    assert sg.control("GET", "/messages/nope").status_code == 404
    assert sg.control("DELETE", "/messages").status_code == 200
    assert sg.messages() == []


def test_a_hub_reset_empties_the_inbox_but_keeps_account_settings(sg):
    sg.client().send(sg.template_mail())
    sg.control("POST", "/faults", json={"status": 500, "down": True})

    assert sg.http.post("/_sim/reset", json={}).status_code == 200

    assert sg.messages() == []
    assert sg.control("GET", "/faults").json() == {"faults": []}
    assert sg.control("GET", "/config").json()["api_keys"] == [sg.api_key]
    assert sg.client().send(sg.template_mail()).status_code == 202


def test_the_inbox_pages_list_mail_and_show_its_html_sandboxed(sg):
    sg.client().send(sg.template_mail("ann@example.com", {**sg.confirmation_data, "session_name": "<Intro> & more"}))
    entry = sg.messages()[0]

    listing = sg.http.get("/sendgrid/inbox", params={"to": "ann@example.com"})
    page = sg.http.get(f"/sendgrid/inbox/{entry['id']}")

    assert listing.status_code == 200 and entry["id"] in listing.text
    assert page.status_code == 200
    assert '<iframe sandbox title="HTML part of the message" srcdoc="' in page.text
    assert "&amp;lt;Intro&amp;gt;" in page.text  # the mail's own escaping, escaped again for the attribute
    assert sg.http.get("/sendgrid/inbox/unknown").status_code == 404
