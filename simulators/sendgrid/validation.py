"""Validation of ``POST /v3/mail/send`` bodies, with SendGrid's own error texts.

SendGrid answers a bad body with 400 and *every* problem it found, each as
``{message, field, help}``; apps log ``errors[0].message`` and branch on
``field``, so messages and field paths are copied from real responses where
they are known (from.email, personalizations, personalizations.N.to,
...to.N.email, content, content.N.value, subject, template_id). Texts marked
"simulator wording" below are not verified against SendGrid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeGuard

from simulators.sendgrid.template_store import DYNAMIC_TEMPLATE_ID

HELP_BASE = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)

FROM_REQUIRED = (
    "The from object must be provided for every email send. It is an object that requires the email parameter, "
    'but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or '
    '{"email" : "example@example.com", "name" : "Example Recipient"}.'
)
PERSONALIZATIONS_REQUIRED = "The personalizations field is required and must have at least one personalization."
TO_REQUIRED = (
    "The to array is required for all personalization objects, and must have at least one email object "
    "with a valid email address."
)
INVALID_ADDRESS = "Does not contain a valid address."
CONTENT_REQUIRED = (
    "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined "
    "content block. We typically suggest both text/plain and text/html blocks are included, but only one block is "
    "required."
)
CONTENT_VALUE = "The content value must be a string at least one character in length."
CONTENT_ORDER = "If present, text/plain must be first, followed by text/html, followed by any other content."
CONTENT_ONCE = "If present, text/plain and text/html may only be provided once."
SUBJECT_REQUIRED = (
    "The subject is required. You can get around this requirement if you use a template with a "
    "subject defined or if every personalization has a subject defined."
)


@dataclass
class FieldError:
    message: str
    field: str | None
    help: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_valid_email(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= 320 and bool(_EMAIL.match(value))


def _invalid_type(expected: str, value: Any, field: str, anchor: str) -> FieldError:
    return FieldError(f"Invalid type. Expected: {expected}, given: {json_type(value)}.", field, f"{HELP_BASE}#{anchor}")


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, message: str, field: str | None, anchor: str | None) -> None:
        self.errors.append(FieldError(message, field, f"{HELP_BASE}#{anchor}" if anchor else None))


def _check_from(body: dict[str, Any], out: _Collector) -> None:
    sender = body.get("from")
    if sender is not None and not isinstance(sender, dict):
        out.errors.append(_invalid_type("object", sender, "from", "message.from"))
    elif not isinstance(sender, dict) or not sender.get("email"):
        out.add(FROM_REQUIRED, "from.email", "message.from")
    elif not is_valid_email(sender["email"]):
        out.add("The from email does not contain a valid address.", "from.email", "message.from")
    reply_to = body.get("reply_to")
    if reply_to is not None and (not isinstance(reply_to, dict) or not is_valid_email(reply_to.get("email"))):
        out.add("The reply_to email does not contain a valid address.", "reply_to.email", "message.reply_to")


def _check_string_map(value: Any, field: str, anchor: str, out: _Collector) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        out.errors.append(_invalid_type("object", value, field, anchor))
        return
    for key, item in value.items():
        if not isinstance(item, str):
            out.errors.append(_invalid_type("string", item, f"{field}.{key}", anchor))


def _check_personalization(index: int, item: Any, out: _Collector) -> int:
    """Check one personalization; returns how many recipients it names."""
    base = f"personalizations.{index}"
    if not isinstance(item, dict):
        out.errors.append(_invalid_type("object", item, base, "message.personalizations"))
        return 0
    to = item.get("to")
    if not isinstance(to, list) or not to:
        out.add(TO_REQUIRED, f"{base}.to", "message.personalizations.to")
    seen: set[str] = set()
    duplicate_reported = False
    count = 0
    for kind in ("to", "cc", "bcc"):
        recipients = item.get(kind)
        if recipients is None or (kind == "to" and not isinstance(recipients, list)):
            continue
        if not isinstance(recipients, list):
            out.errors.append(_invalid_type("array", recipients, f"{base}.{kind}", f"message.personalizations.{kind}"))
            continue
        for position, recipient in enumerate(recipients):
            field = f"{base}.{kind}.{position}"
            count += 1
            if not isinstance(recipient, dict):
                out.errors.append(_invalid_type("object", recipient, field, f"message.personalizations.{kind}"))
                continue
            email = recipient.get("email")
            if not is_valid_email(email):
                out.add(INVALID_ADDRESS, f"{field}.email", f"message.personalizations.{kind}")
                continue
            if email.lower() in seen and not duplicate_reported:
                duplicate_reported = True
                out.add(
                    "Each email address in the personalization block should be unique between to, cc, and bcc. "
                    f"We found the first duplicate instance of [{email}] in the {base}.{kind} field.",
                    base,
                    "message.personalizations",
                )
            seen.add(email.lower())
    data = item.get("dynamic_template_data")
    if data is not None and not isinstance(data, dict):
        out.errors.append(
            _invalid_type(
                "object", data, f"{base}.dynamic_template_data", "message.personalizations.dynamic_template_data"
            )
        )
    subject = item.get("subject")
    if subject is not None and not isinstance(subject, str):
        out.errors.append(_invalid_type("string", subject, f"{base}.subject", "message.personalizations.subject"))
    _check_string_map(item.get("custom_args"), f"{base}.custom_args", "message.personalizations.custom_args", out)
    _check_string_map(item.get("headers"), f"{base}.headers", "message.personalizations.headers", out)
    return count


def _check_content(content: Any, out: _Collector) -> None:
    if not isinstance(content, list) or not content:
        out.add(CONTENT_REQUIRED, "content", "message.content")
        return
    types = []
    for index, block in enumerate(content):
        if not isinstance(block, dict):
            out.errors.append(_invalid_type("object", block, f"content.{index}", "message.content"))
            continue
        kind = block.get("type")
        if not isinstance(kind, str) or not kind or ";" in kind or "\r" in kind or "\n" in kind:
            out.add(
                "The content type cannot contain ';', or CRLF characters and must contain at least one character.",
                f"content.{index}.type",
                "message.content.type",
            )
        value = block.get("value")
        if not isinstance(value, str) or not value:
            out.add(CONTENT_VALUE, f"content.{index}.value", "message.content.value")
        types.append(kind)
    if types.count("text/plain") > 1 or types.count("text/html") > 1:
        out.add(CONTENT_ONCE, "content", "message.content")
    elif ("text/plain" in types and types.index("text/plain") != 0) or (
        "text/html" in types and types.index("text/html") != types.count("text/plain")
    ):
        out.add(CONTENT_ORDER, "content", "message.content")


def validate_mail_send(
    body: Any, *, template_subject: Callable[[str], str | None], reject_unknown_templates: bool
) -> list[FieldError]:
    """Every error SendGrid would report for ``body``.

    ``template_subject(id)`` returns the active version's subject of a stored
    template ('' when it has none) or None when no such template exists.
    """
    out = _Collector()
    if not isinstance(body, dict):
        out.add("Bad Request", None, None)
        return out.errors
    _check_from(body, out)

    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        out.add(PERSONALIZATIONS_REQUIRED, "personalizations", "-Personalizations-Errors")
        personalizations = []
    elif len(personalizations) > MAX_PERSONALIZATIONS:
        out.add(
            f"The personalization block is limited to {MAX_PERSONALIZATIONS} personalizations per API request. "
            f"You have provided {len(personalizations)} personalizations. Please consider splitting this into "
            "multiple requests and resending your request.",
            "personalizations",
            "-Personalizations-Errors",
        )
        personalizations = []
    recipients = sum(_check_personalization(i, item, out) for i, item in enumerate(personalizations))
    if recipients > MAX_RECIPIENTS:
        out.add(
            "There is a limit of 1000 total recipients (to + cc + bcc) per request.",
            "personalizations",
            "-Personalizations-Errors",
        )

    template_id = body.get("template_id")
    known_template_subject: str | None = None
    if template_id is not None:
        if not isinstance(template_id, str):
            out.errors.append(_invalid_type("string", template_id, "template_id", "message.template_id"))
        elif not DYNAMIC_TEMPLATE_ID.match(template_id):
            out.add(
                f"The template_id must be a valid GUID, you provided '{template_id}'.",
                "template_id",
                "message.template_id",
            )
        else:
            known_template_subject = template_subject(template_id)
            if known_template_subject is None and reject_unknown_templates:
                out.add(
                    f"The template id must be a valid template id for your account. You provided {template_id}",
                    "template_id",
                    "message.template_id",
                )

    uses_template = isinstance(template_id, str) and DYNAMIC_TEMPLATE_ID.match(template_id) is not None
    if not uses_template:
        _check_content(body.get("content"), out)
    elif body.get("content"):
        _check_content(body["content"], out)

    subject = body.get("subject")
    if subject is not None and not isinstance(subject, str):
        out.errors.append(_invalid_type("string", subject, "subject", "message.subject"))
    every_personalization_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and isinstance(p.get("subject"), str) and p["subject"] for p in personalizations
    )
    template_gives_subject = bool(known_template_subject) or (
        uses_template and known_template_subject is None and not reject_unknown_templates
    )
    if (
        not (isinstance(subject, str) and subject)
        and not every_personalization_has_subject
        and not template_gives_subject
    ):
        out.add(SUBJECT_REQUIRED, "subject", "message.subject")

    categories = body.get("categories")
    if categories is not None:
        if not isinstance(categories, list) or not all(isinstance(c, str) and c for c in categories):
            out.errors.append(_invalid_type("array", categories, "categories", "message.categories"))
        elif len(categories) > MAX_CATEGORIES:  # simulator wording
            out.add(
                f"You may not have more than {MAX_CATEGORIES} categories per request.",
                "categories",
                "message.categories",
            )
    _check_string_map(body.get("custom_args"), "custom_args", "message.custom_args", out)
    _check_string_map(body.get("headers"), "headers", "message.headers", out)
    return out.errors
