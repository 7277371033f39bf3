"""Flask-WTF forms (CSRF-protected) for booking and accounts."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, Form, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app_under_test.timeutil import is_valid_zone, parse_utc_iso


def _valid_zone(_form: Form, field: Field) -> None:
    if not is_valid_zone(field.data):
        raise ValidationError("Unknown time zone.")


def _single_line(_form: Form, field: Field) -> None:
    # A name travels into mail headers and subjects: a line break there would start a new header line.
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in field.data or ""):
        raise ValidationError("Please use letters, digits and punctuation only (no line breaks).")


def _valid_instant(_form: Form, field: Field) -> None:
    try:
        parse_utc_iso(field.data or "")
    except ValueError as exc:
        raise ValidationError("Please pick one of the listed times.") from exc


class BookingForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    slot = StringField("Time", validators=[DataRequired("Please pick a time."), Length(max=40), _valid_instant])
    timezone = HiddenField("Time zone", validators=[DataRequired(), _valid_zone])
    name = StringField("Your name", validators=[Optional(), Length(min=1, max=120), _single_line])
    email = EmailField(
        "Email",
        validators=[
            Optional(),
            Length(max=254),
            _single_line,
            Email("Please enter a valid email address.", check_deliverability=False),
        ],
    )
    pathway = SelectField("Pathway", choices=[], validate_choice=False, validators=[Optional()])

    def validate_for(self, *, anonymous: bool) -> bool:
        ok: bool = self.validate()
        if anonymous:
            if not (self.name.data or "").strip():
                self.name.errors = [*self.name.errors, "Please enter your name."]
                ok = False
            if not (self.email.data or "").strip():
                self.email.errors = [*self.email.errors, "Please enter your email address."]
                ok = False
        return ok


class SignUpForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    name = StringField("Name", validators=[DataRequired(), Length(max=120), _single_line])
    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Length(max=254),
            _single_line,
            Email("Please enter a valid email address.", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=10, max=128, message="Use at least 10 characters.")]
    )
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "The passwords differ.")])
    # Set by the page script from the browser, which may name a zone unknown here (Chrome's "Etc/Unknown", a zone
    # newer than this tzdata): the view then keeps no zone, as when none is named, instead of refusing the sign-up.
    timezone = HiddenField("Time zone")
    next = HiddenField()


class SignInForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=128)])
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=10, max=128, message="Use at least 10 characters.")]
    )
    confirm = PasswordField("Repeat new password", validators=[EqualTo("password", "The passwords differ.")])
