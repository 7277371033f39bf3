"""Dynamic templates provisioned the three ways: SendGrid's Templates API, the control API, a folder."""

from __future__ import annotations

import json
import re

import pytest
from python_http_client import exceptions as http_errors

pytestmark = pytest.mark.email


def _json(response):
    return json.loads(response.body)


def test_a_template_created_through_the_v3_templates_api_is_used_by_a_send(sg):
    api = sg.client().client
    created = api.templates.post(request_body={"name": "Welcome", "generation": "dynamic"})
    template = _json(created)
    assert created.status_code == 201
    assert re.fullmatch(r"d-[0-9a-f]{32}", template["id"])
    assert template["generation"] == "dynamic" and template["versions"] == []

    version = api.templates._(template["id"]).versions.post(
        request_body={
            "name": "v1",
            "subject": "Welcome, {{{first_name}}}!",
            "html_content": "<h1>Hi {{first_name}}</h1>",
            "plain_content": "Hi {{{first_name}}}",
            "generate_plain_content": False,
            "active": 1,
        }
    )
    assert version.status_code == 201
    assert _json(version)["active"] == 1

    fetched = _json(api.templates._(template["id"]).get())
    assert [v["subject"] for v in fetched["versions"]] == ["Welcome, {{{first_name}}}!"]

    sent = sg.client().send(sg.template_mail("bo@example.com", {"first_name": "Bo & Co"}, template["id"]))
    assert sent.status_code == 202
    [entry] = sg.messages(template_id=template["id"])
    assert (entry["subject"], entry["html"], entry["text"]) == (
        "Welcome, Bo & Co!",
        "<h1>Hi Bo &amp; Co</h1>",
        "Hi Bo & Co",
    )
    assert entry["template_version_id"] == _json(version)["id"]


def test_the_first_version_is_active_and_a_later_active_one_replaces_it(sg):
    api = sg.client().client
    template_id = _json(api.templates.post(request_body={"name": "Note", "generation": "dynamic"}))["id"]
    versions = api.templates._(template_id).versions
    first = _json(versions.post(request_body={"name": "one", "subject": "One", "html_content": "<p>1</p>"}))
    second = _json(versions.post(request_body={"name": "two", "subject": "Two", "html_content": "<p>2</p>"}))
    assert (first["active"], second["active"]) == (1, 0)
    assert first["plain_content"] == "1"  # generate_plain_content defaults to true, as on SendGrid

    sg.client().send(sg.template_mail(data={}, template_id=template_id))
    api.templates._(template_id).versions._(second["id"]).activate.post()
    sg.client().send(sg.template_mail(data={}, template_id=template_id))

    assert [m["subject"] for m in sg.messages(template_id=template_id)] == ["One", "Two"]


def test_legacy_templates_are_refused(sg):
    with pytest.raises(http_errors.BadRequestsError) as raised:
        sg.client().client.templates.post(request_body={"name": "Old style"})

    assert raised.value.to_dict["errors"][0]["field"] == "generation"


def test_a_version_with_broken_handlebars_is_refused_at_provisioning_time(sg):
    api = sg.client().client
    template_id = _json(api.templates.post(request_body={"name": "Broken", "generation": "dynamic"}))["id"]

    with pytest.raises(http_errors.BadRequestsError) as raised:
        api.templates._(template_id).versions.post(
            request_body={"name": "v1", "subject": "Hi", "html_content": "{{#if x}}never closed"}
        )

    assert raised.value.to_dict["errors"][0]["field"] == "html_content"


def test_an_unknown_template_is_404_on_the_templates_api(sg):
    with pytest.raises(http_errors.NotFoundError):
        sg.client().client.templates._("d-" + "0" * 32).get()


def test_templates_can_be_listed_by_generation(sg):
    listed = _json(sg.client().client.templates.get(query_params={"generations": "dynamic", "page_size": 50}))

    assert {t["name"] for t in listed["result"]} >= {
        "Booking confirmation",
        "Cancellation notice",
        "Payment receipt",
        "Booking reminder",
    }


def test_a_template_put_through_the_control_api_keeps_its_given_id(sg):
    template_id = "d-" + "ab" * 16
    response = sg.control(
        "POST",
        "/templates",
        json={
            "id": template_id,
            "name": "Control",
            "subject": "S {{n}}",
            "html_content": "<b>{{n}}</b>",
            "plain_content": "{{n}}",
        },
    )
    assert response.status_code == 201

    sg.client().send(sg.template_mail(data={"n": 7}, template_id=template_id))

    [entry] = sg.messages(template_id=template_id)
    assert (entry["subject"], entry["html"], entry["text"]) == ("S 7", "<b>7</b>", "7")


def test_templates_load_from_a_folder_with_a_manifest(sg, tmp_path):
    template_id = "d-" + "cd" * 16
    (tmp_path / "manifest.json").write_text(json.dumps({"hello": {"id": template_id, "name": "Hello"}}))
    (tmp_path / "hello.subject.hbs").write_text("Hello {{{name}}}\n")
    (tmp_path / "hello.html.hbs").write_text("<p>Hello {{name}}</p>\n")
    (tmp_path / "hello.txt.hbs").write_text("Hello {{{name}}}\n")

    loaded = sg.control("POST", "/templates/load", json={"folder": str(tmp_path)})
    assert loaded.status_code == 201
    sg.client().send(sg.template_mail(data={"name": "Zoë"}, template_id=template_id))

    [entry] = sg.messages(template_id=template_id)
    assert (entry["subject"], entry["html"], entry["text"]) == ("Hello Zoë", "<p>Hello Zoë</p>", "Hello Zoë")


def test_the_render_preview_reports_missing_variables_without_sending(sg):
    response = sg.control(
        "POST",
        "/render",
        json={"template_id": sg.confirmation_template, "dynamic_template_data": {"client_name": "Ann"}},
    )

    assert response.status_code == 200
    assert "manage_url" in response.json()["missing_variables"]
    assert sg.messages() == []


def test_a_send_records_the_variables_its_data_lacks(sg):
    data = {k: v for k, v in sg.confirmation_data.items() if k not in ("manage_url", "timezone")}

    sg.client().send(sg.template_mail(data=data))

    assert sg.messages()[0]["missing_variables"] == ["timezone", "manage_url"]
