"""POST /v3/mail/send as the official sendgrid library sees it: success, validation, auth, size, faults."""

from __future__ import annotations

import time

import pytest
from python_http_client import exceptions as http_errors

pytestmark = pytest.mark.email


def test_the_official_library_sends_a_template_mail_and_gets_202_with_a_message_id(sg):
    response = sg.client().send(sg.template_mail("ann@example.com"))

    assert response.status_code == 202
    assert response.body == b""
    message_id = response.headers["X-Message-Id"]
    assert len(message_id) == 22
    [entry] = sg.messages(to="ann@example.com")
    assert entry["message_id"] == message_id
    assert entry["template_id"] == sg.confirmation_template
    assert entry["subject"] == "Booked: Intro call with Raj Patel on Tue 3 Mar 2026, 14:00"
    assert "<strong>Intro call</strong> with Raj Patel" in entry["html"]
    assert "You are booked for Intro call with Raj Patel." in entry["text"]
    assert entry["missing_variables"] == []
    assert entry["request_json"]["template_id"] == sg.confirmation_template
    assert entry["request_headers"]["Authorization"] == "Bearer ***"


def test_a_plain_mail_keeps_its_own_subject_and_content(sg):
    response = sg.post_send(sg.plain_body(categories=["booking"], custom_args={"booking_id": "42"}))

    assert response.status_code == 202
    [entry] = sg.messages()
    assert (entry["subject"], entry["text"], entry["html"]) == ("Hello", "Hi", "<p>Hi</p>")
    assert entry["categories"] == ["booking"]
    assert entry["custom_args"] == {"booking_id": "42"}
    assert entry["template_id"] is None


def _errors(response):
    assert response.status_code == 400, response.text
    return [(error["field"], error["message"]) for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field", "message_start"),
    [
        ({"from": None}, "from.email", "The from object must be provided for every email send."),
        ({"from": {"name": "No address"}}, "from.email", "The from object must be provided"),
        ({"from": {"email": "not-an-address"}}, "from.email", "The from email does not contain a valid address."),
        ({"from": "bookings@builders.test"}, "from", "Invalid type. Expected: object, given: string."),
        ({"personalizations": None}, "personalizations", "The personalizations field is required"),
        ({"personalizations": []}, "personalizations", "The personalizations field is required"),
        (
            {"personalizations": [{"cc": [{"email": "a@example.com"}]}]},
            "personalizations.0.to",
            "The to array is required for all personalization objects",
        ),
        (
            {"personalizations": [{"to": [{"email": "ann@example"}]}]},
            "personalizations.0.to.0.email",
            "Does not contain a valid address.",
        ),
        (
            {"personalizations": [{"to": [{"email": "a@example.com"}], "bcc": [{"email": "b@@example.com"}]}]},
            "personalizations.0.bcc.0.email",
            "Does not contain a valid address.",
        ),
        (
            {"personalizations": [{"to": [{"email": "a@example.com"}], "cc": [{"email": "A@example.com"}]}]},
            "personalizations.0",
            "Each email address in the personalization block should be unique",
        ),
        ({"content": None}, "content", "Unless a valid template_id is provided, the content parameter is required."),
        (
            {"content": [{"type": "text/plain", "value": ""}]},
            "content.0.value",
            "The content value must be a string at least one character in length.",
        ),
        (
            {"content": [{"type": "text/html", "value": "<p>x</p>"}, {"type": "text/plain", "value": "x"}]},
            "content",
            "If present, text/plain must be first",
        ),
        ({"subject": None}, "subject", "The subject is required."),
        ({"template_id": "booking-confirmation"}, "template_id", "The template_id must be a valid GUID"),
        (
            {"template_id": "d-00000000000000000000000000000000"},
            "template_id",
            "The template id must be a valid template id for your account.",
        ),
        (
            {"custom_args": {"booking_id": 42}},
            "custom_args.booking_id",
            "Invalid type. Expected: string, given: integer.",
        ),
        ({"reply_to": {"email": "nobody"}}, "reply_to.email", "The reply_to email does not contain a valid address."),
    ],
)
def test_each_invalid_body_is_refused_with_sendgrids_field_and_message(sg, body, field, message_start):
    errors = _errors(sg.post_send(sg.plain_body(**body)))

    assert any(f == field and m.startswith(message_start) for f, m in errors), errors
    assert sg.messages() == []


def test_every_problem_is_reported_at_once_with_a_help_link(sg):
    response = sg.post_send({"subject": "x"})

    fields = [field for field, _ in _errors(response)]
    assert fields == ["from.email", "personalizations", "content"]
    assert all(
        e["help"].startswith("http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#")
        for e in response.json()["errors"]
    )


def test_more_than_1000_personalizations_are_refused(sg):
    many = [{"to": [{"email": f"user{i}@example.com"}]} for i in range(1001)]

    errors = _errors(sg.post_send(sg.plain_body(personalizations=many)))

    assert (
        "personalizations",
        "The personalization block is limited to 1000 personalizations per API request. "
        "You have provided 1001 personalizations. Please consider splitting this into multiple requests and "
        "resending your request.",
    ) in errors


def test_a_template_without_a_subject_needs_one_in_the_request(sg):
    created = sg.control("POST", "/templates", json={"name": "No subject", "html_content": "<p>{{x}}</p>"})
    template_id = created.json()["id"]
    body = sg.plain_body(template_id=template_id, content=None, subject=None)

    assert _errors(sg.post_send(body)) == [
        (
            "subject",
            "The subject is required. You can get around this requirement "
            "if you use a template with a subject defined or if every "
            "personalization has a subject defined.",
        )
    ]
    assert sg.post_send({**body, "subject": "Given"}).status_code == 202
    assert sg.messages()[0]["subject"] == "Given"


def test_a_template_given_by_id_needs_no_content_or_subject(sg):
    body = sg.plain_body(template_id=sg.confirmation_template, content=None, subject=None)

    assert sg.post_send(body).status_code == 202


def test_invalid_json_is_a_bad_request(sg):
    response = sg.post_send(None, raw=b'{"personalizations": [')

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Bad Request", "field": None, "help": None}]}


def test_a_wrong_api_key_is_refused_by_the_library_with_401(sg):
    with pytest.raises(http_errors.UnauthorizedError) as raised:
        sg.client("SG.not-the-key").send(sg.template_mail())

    assert raised.value.to_dict == {
        "errors": [
            {"message": "The provided authorization grant is invalid, expired, or revoked", "field": None, "help": None}
        ]
    }
    assert sg.messages() == []


def test_a_missing_authorization_header_is_401_too(sg):
    response = sg.post_send(sg.plain_body(), api_key=None)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "authorization required"


def test_any_key_is_accepted_while_none_is_configured(sg):
    sg.configure(api_keys=[])

    assert sg.post_send(sg.plain_body(), api_key="SG.anything").status_code == 202
    for header in ("Bearer", "Basic U0cuYW55dGhpbmc="):
        response = sg.http.post("/sendgrid/v3/mail/send", json=sg.plain_body(), headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_body_over_the_size_limit_is_413(sg):
    sg.configure(max_body_bytes=2048)
    big = sg.plain_body(content=[{"type": "text/plain", "value": "x" * 4096}])

    with pytest.raises(http_errors.PayloadTooLargeError):
        sg.client().send(big)
    assert sg.post_send(sg.plain_body()).status_code == 202


def test_the_default_size_limit_is_sendgrids_30_mb(sg):
    assert sg.control("GET", "/config").json()["max_body_bytes"] == 30 * 1024 * 1024


def test_a_rate_limit_fault_surfaces_as_429_with_rate_limit_headers(sg):
    assert sg.control("POST", "/faults", json={"status": 429, "count": 2}).status_code == 201

    for _ in range(2):
        with pytest.raises(http_errors.TooManyRequestsError) as raised:
            sg.client().send(sg.template_mail())
        headers = raised.value.headers
        assert headers["X-RateLimit-Remaining"] == "0"
        assert int(headers["X-RateLimit-Reset"]) > time.time()
        assert raised.value.to_dict == {"errors": [{"field": None, "message": "too many requests"}]}
    assert sg.client().send(sg.template_mail()).status_code == 202
    assert len(sg.messages()) == 1


@pytest.mark.parametrize(
    ("status", "error"), [(500, http_errors.InternalServerError), (503, http_errors.ServiceUnavailableError)]
)
def test_server_faults_surface_as_the_librarys_5xx_errors(sg, status, error):
    sg.control("POST", "/faults", json={"status": status, "count": 1})

    with pytest.raises(error):
        sg.client().send(sg.template_mail())
    assert sg.client().send(sg.template_mail()).status_code == 202


def test_down_lasts_until_the_faults_are_cleared(sg):
    sg.control("POST", "/faults", json={"status": 503, "down": True})

    for _ in range(3):
        with pytest.raises(http_errors.ServiceUnavailableError):
            sg.client().send(sg.template_mail())
    assert sg.control("DELETE", "/faults").status_code == 200
    assert sg.client().send(sg.template_mail()).status_code == 202


def test_sandbox_mode_validates_but_sends_nothing(sg):
    body = sg.plain_body(mail_settings={"sandbox_mode": {"enable": True}})

    response = sg.post_send(body)

    assert response.status_code == 200
    assert "X-Message-Id" not in response.headers
    assert sg.messages() == []


def test_unknown_templates_can_be_dropped_after_202_as_real_sendgrid_does(sg):
    sg.configure(unknown_template="drop")
    body = sg.plain_body(template_id="d-00000000000000000000000000000000", content=None, subject=None)

    assert sg.post_send(body).status_code == 202
    [entry] = sg.messages()
    assert entry["status"] == "dropped"


def test_unknown_v3_routes_answer_json_404(sg):
    response = sg.http.get("/sendgrid/v3/not/a/route", headers={"Authorization": f"Bearer {sg.api_key}"})

    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "message": "resource not found"}]}
