"""What the booking service expects of SendGrid's Mail Send API, exercised through its own mail sender.

Each case builds the mail with ``mail.sender.build_mail`` from an outbox row
and sends it with ``send`` through ``sendgrid_client(config)`` (the official
``sendgrid`` library) pointed at the Pact mock server. Covered: a dynamic
template mail accepted (202, ``X-Message-Id`` kept to match delivery events),
400 (an unknown template id: the mail is dead with SendGrid's first error),
401 (a revoked key: dead at once) and 429 (retried no sooner than
``X-RateLimit-Reset``). The booking mails' template ids are the ones the
SendGrid simulator's default templates carry (``default_templates/manifest.json``).
"""

from __future__ import annotations

from pact import match

from app_under_test.config import Config
from app_under_test.mail.outbox import Claimed
from app_under_test.mail.sender import BAD_KEY, build_mail, send, sendgrid_client
from contracts.support.cases import Exchange, HttpCase, Request, Response, State
from contracts.support.names import SENDGRID_API

API_KEY = "SG.contract-booking-service.key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
BOOKING_TEMPLATE = "d-9c85b537974ed61735fda4e8f18e9e7c"  # booking_confirmation in the simulator's defaults
UNKNOWN_TEMPLATE = "d-00000000000000000000000000000000"
MESSAGE_ID = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"
KEY_STATE = State("the app's API key may send mail", {"api_key": API_KEY})
DATA = {
    "client_name": "Grace Hopper",
    "session_name": "Intro",
    "builder_name": "Ada Lovelace",
    "start_local": "Thursday 2 January 2030, 10:00",
    "timezone": "Europe/Paris",
    "duration_minutes": 30,
    "booking_reference": "bk_contract_mail",
    "manage_url": "https://bookings.example/bookings/bk_contract_mail",
    "is_paid": False,
    "recipient_name": "Grace Hopper",
}


def config(base_url: str) -> Config:
    return Config(sendgrid_api_key=API_KEY, sendgrid_api_base=base_url, mail_from="Bookings <bookings@example.com>")


def outbox_row(template_id: str) -> Claimed:
    return Claimed(
        id=7, kind="booking_confirmation", recipient="grace@example.com", template_id=template_id, data=DATA, attempts=0
    )


def mail_body(template_id: str) -> dict:
    """The JSON the sendgrid library sends for ``build_mail`` (what SendGrid must accept)."""
    return {
        "from": {"email": "bookings@example.com", "name": "Bookings"},
        "personalizations": [
            {"to": [{"email": "grace@example.com", "name": "Grace Hopper"}], "dynamic_template_data": DATA}
        ],
        "template_id": template_id,
        "categories": ["booking_confirmation"],
        "custom_args": {"outbox_id": "7", "mail_kind": "booking_confirmation", "booking": "bk_contract_mail"},
    }


def mail_request(template_id: str = BOOKING_TEMPLATE) -> Request:
    return Request("POST", "/v3/mail/send", headers=AUTH, body=mail_body(template_id))


def send_as_the_app(base_url: str, template_id: str = BOOKING_TEMPLATE):
    cfg = config(base_url)
    return send(sendgrid_client(cfg), build_mail(cfg, outbox_row(template_id), template_id))


def exercise_sent(base_url: str) -> None:
    result = send_as_the_app(base_url)
    assert result.outcome == "sent" and result.message_id == MESSAGE_ID, result


SENT = HttpCase(
    SENDGRID_API,
    (
        Exchange(
            "send a booking confirmation with a dynamic template",
            mail_request(),
            Response(202, headers={"X-Message-Id": match.regex(MESSAGE_ID, regex=r"^\S+$")}),
            states=(KEY_STATE,),
        ),
    ),
    exercise_sent,
)


def exercise_unknown_template(base_url: str) -> None:
    result = send_as_the_app(base_url, UNKNOWN_TEMPLATE)
    assert result.outcome == "dead" and "(template_id)" in result.error, result


UNKNOWN = HttpCase(
    SENDGRID_API,
    (
        Exchange(
            "send a mail naming a template SendGrid does not have",
            mail_request(UNKNOWN_TEMPLATE),
            Response(
                400,
                {
                    "errors": match.each_like(
                        {
                            "message": match.str(
                                "The template id must be a valid template id for your account. "
                                f"You provided {UNKNOWN_TEMPLATE}"
                            ),
                            "field": "template_id",
                        }
                    )
                },
            ),
            states=(KEY_STATE,),
        ),
    ),
    exercise_unknown_template,
)


def exercise_revoked_key(base_url: str) -> None:
    result = send_as_the_app(base_url)
    assert result.outcome == "dead" and result.error.startswith(BAD_KEY), result


REVOKED = HttpCase(
    SENDGRID_API,
    (
        Exchange(
            "send a mail with a revoked API key",
            mail_request(),
            Response(
                401,
                {
                    "errors": match.each_like(
                        {"message": match.str("The provided authorization grant is invalid, expired, or revoked")}
                    )
                },
            ),
            states=(State("the app's API key was revoked", {"api_key": API_KEY}),),
        ),
    ),
    exercise_revoked_key,
)


def exercise_rate_limited(base_url: str) -> None:
    result = send_as_the_app(base_url)
    assert result.outcome == "retry" and result.not_before is not None and result.not_before.year == 2030, result


RATE_LIMITED = HttpCase(
    SENDGRID_API,
    (
        Exchange(
            "send a mail while rate limited",
            mail_request(),
            Response(
                429,
                {"errors": match.each_like({"message": match.str("too many requests")})},
                headers={"X-RateLimit-Reset": match.regex("1893456000", regex=r"^\d+$")},
            ),
            states=(State("SendGrid is rate limiting the app", {"api_key": API_KEY}),),
        ),
    ),
    exercise_rate_limited,
)

CASES = [SENT, UNKNOWN, REVOKED, RATE_LIMITED]
