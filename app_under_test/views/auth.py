"""Sign-up, sign-in, sign-out and password change (Flask-Login sessions, hashed passwords, CSRF-protected forms)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as session_cookie
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app_under_test.db import get_db
from app_under_test.forms import ChangePasswordForm, SignInForm, SignUpForm
from app_under_test.models import Client
from app_under_test.timeutil import is_valid_zone

blueprint = Blueprint("auth", __name__)

# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_client(user_id: str) -> Client | None:
    """The signed-in client of a session cookie, unless that session was ended since (``id.session_version``)."""
    client_id, _, version = user_id.partition(".")
    if not client_id.isdigit() or not version.isdigit():
        return None
    with get_db().reader() as session:
        client = session.get(Client, int(client_id))
    if client is None or not client.has_account or client.session_version != int(version):
        return None
    return client


def end_sessions(session: Session, client: Client) -> None:
    """Every session cookie issued to this client so far stops signing anyone in."""
    client.session_version += 1


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else (//evil, https://evil, a header-splitting CR/LF) goes home.

    The one place a ``next`` is checked: a control character or a space can only come from tampering
    (a browser percent-encodes them), and would break the Location header."""
    if not target or len(target) > 2000 or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return url_for("marketplace.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("marketplace.index")
    return target


@blueprint.route("/signup", methods=["GET", "POST"])
def sign_up() -> ResponseReturnValue:
    form = SignUpForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("signup.html", form=form), status
    email = form.email.data.strip().lower()
    timezone = form.timezone.data if is_valid_zone(form.timezone.data) else None
    try:
        with get_db().transaction() as session:
            client = session.scalar(select(Client).where(Client.email == email))
            if client is not None and client.has_account:
                form.email.errors.append("An account with this email exists; please sign in.")
                raise _AlreadyRegistered
            if client is None:  # an earlier anonymous booking may have created the record
                client = Client(email=email, name=form.name.data.strip())
                session.add(client)
            client.name = form.name.data.strip()
            client.password_hash = generate_password_hash(form.password.data)
            client.timezone = timezone or client.timezone
            session.flush()
    except (_AlreadyRegistered, IntegrityError):
        if not form.email.errors:
            form.email.errors.append("An account with this email exists; please sign in.")
        return render_template("signup.html", form=form), 409
    login_user(client)
    return redirect(safe_next(form.next.data), code=303)


class _AlreadyRegistered(Exception):
    pass


@blueprint.route("/signin", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    form = SignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("signin.html", form=form), status
    with get_db().reader() as session:
        client = session.scalar(select(Client).where(Client.email == form.email.data.strip().lower()))
    stored = client.password_hash if client is not None else None
    password_hash = stored if stored is not None else _DUMMY_HASH
    if not check_password_hash(password_hash, form.password.data) or client is None or not client.has_account:
        form.password.errors.append("Email or password is wrong.")
        return render_template("signin.html", form=form), 401
    login_user(client)
    return redirect(safe_next(form.next.data), code=303)


@blueprint.post("/signout")
def sign_out() -> ResponseReturnValue:
    if current_user.is_authenticated:
        with get_db().transaction() as session:
            client = session.get(Client, current_user.id)
            if client is not None:
                end_sessions(session, client)
        logout_user()
    session_cookie.clear()  # nothing of the signed-in visit (held bookings included) outlives it
    return redirect(url_for("marketplace.index"), code=303)


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]  # Flask-Login is untyped
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("change_password.html", form=form), 422 if request.method == "POST" else 200
    with get_db().transaction() as session:
        client = session.get_one(Client, current_user.id)
        if client.password_hash is None or not check_password_hash(client.password_hash, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
            return render_template("change_password.html", form=form), 401
        client.password_hash = generate_password_hash(form.password.data)
        end_sessions(session, client)
    login_user(client)  # this browser stays signed in, with the new session version
    flash("Your password was changed; every other session was signed out.")
    return redirect(url_for("marketplace.index"), code=303)
