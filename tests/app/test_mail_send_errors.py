"""What a failed SendGrid send becomes for the operator: dead or retried, SendGrid's reason in the mail's error,
and a rejected API key raised as an alert (an error log line and a Sentry message), since no mail can go out."""

from __future__ import annotations

import json
import logging
from email.message import Message

import pytest
import structlog
from python_http_client import exceptions as http_errors
from structlog.testing import capture_logs

from app_under_test.mail import sender

pytestmark = [pytest.mark.email]


def http_error(kind: type[http_errors.HTTPError], status, body: bytes | str, **headers: str) -> http_errors.HTTPError:
    message = Message()
    for name, value in headers.items():
        message[name] = value
    return kind(status, "reason", body, message)


def errors_body(*errors: dict) -> bytes:
    return json.dumps({"errors": list(errors)}).encode()


@pytest.fixture
def alerts(monkeypatch):
    """Sentry messages and error log lines the send raised."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(sender.sentry_sdk, "capture_message", lambda message, level: sent.append((message, level)))
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    with capture_logs() as logs:
        yield sent, logs
    structlog.configure(**saved)


def test_a_rejected_key_is_dead_and_raises_an_alert_with_sendgrids_reason(alerts):
    sent, logs = alerts
    body = errors_body({"message": "The provided authorization grant is invalid", "field": None})
    result = sender.classify_error(http_error(http_errors.UnauthorizedError, 401, body))
    error = "SendGrid rejected the API key (401): The provided authorization grant is invalid"
    assert (result.outcome, result.error) == ("dead", error)
    assert sent == [(error, "error")]
    assert logs == [{"event": "sendgrid_api_key_rejected", "status": 401, "error": error, "log_level": "error"}]
    forbidden = sender.classify_error(http_error(http_errors.ForbiddenError, 403, errors_body({"message": "no"})))
    assert (forbidden.outcome, forbidden.error) == ("dead", "SendGrid rejected the API key (403): no")


def test_other_refusals_are_dead_with_the_field_and_outages_are_retried(alerts):
    sent, _ = alerts
    refused = sender.classify_error(
        http_error(http_errors.BadRequestsError, 400, errors_body({"message": "bad address", "field": "to"}))
    )
    assert (refused.outcome, refused.error) == ("dead", "SendGrid answered 400: bad address (to)")
    outage = sender.classify_error(http_error(http_errors.HTTPError, 500, errors_body({"message": "try later"})))
    assert (outage.outcome, outage.error) == ("retry", "SendGrid answered 500: try later")
    nameless = sender.classify_error(http_error(http_errors.HTTPError, None, b"{}"))
    assert (nameless.outcome, nameless.error) == ("dead", "SendGrid answered 0: {}")
    assert sent == []


def test_a_body_that_is_not_sendgrids_error_list_is_shown_as_text_cut_to_300_characters():
    garbled = sender.classify_error(http_error(http_errors.HTTPError, 502, b"\xffgateway " + b"x" * 400))
    assert garbled.outcome == "retry"
    assert garbled.error == "SendGrid answered 502: \ufffdgateway " + "x" * 291
    text = sender.classify_error(http_error(http_errors.HTTPError, 400, "plain words"))
    assert text.error == "SendGrid answered 400: plain words"
    empty = sender.classify_error(http_error(http_errors.HTTPError, 400, errors_body()))
    assert empty.error == 'SendGrid answered 400: {"errors": []}'


def test_a_rate_limit_is_retried_after_sendgrids_reset_time():
    limited = sender.classify_error(
        http_error(
            http_errors.TooManyRequestsError,
            429,
            errors_body({"message": "slow down"}),
            **{"X-RateLimit-Reset": "1900000000"},
        )
    )
    assert (limited.outcome, limited.error) == ("retry", "SendGrid rate limit (429): slow down")
    assert limited.not_before is not None and limited.not_before.timestamp() == 1900000000
    unknown = sender.classify_error(http_error(http_errors.TooManyRequestsError, 429, errors_body({"message": "x"})))
    assert unknown.outcome == "retry" and unknown.not_before is None


def test_an_unreachable_sendgrid_is_retried_naming_the_failure():
    result = sender.classify_error(ConnectionRefusedError(111, "Connection refused"))
    assert (result.outcome, result.error) == (
        "retry",
        "SendGrid could not be reached: ConnectionRefusedError: [Errno 111] Connection refused",
    )
