"""The hosted checkout page at ``checkout.session.url``, plus its 3-D Secure challenge.

Plain HTML forms (no JavaScript) so that a browser test and an httpx test drive
the same code: typing a Stripe test card decides the outcome (see ``cards``).
Success redirects to ``success_url`` with ``{CHECKOUT_SESSION_ID}`` replaced;
a decline re-renders the page with Stripe's message (status 402), leaving the
session open; a form error (bad number, past expiry) re-renders with 422 and
creates nothing; an expired or completed session's page says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns; flask's Response extends it

from simulators.stripe import cards
from simulators.stripe.checkout import allows, get_session
from simulators.stripe.errors import StripeError
from simulators.stripe.payments import PaymentRefused, authenticate, pay_card, pay_delayed
from simulators.stripe.state import StripeState

PAGE_PATH = "/c/pay/{session_id}"  # for str.format
_RULE = "/c/pay/<session_id>"
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}


def format_amount(amount: int, currency: str) -> str:
    value = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def with_session_id(url: str, session_id: str) -> str:
    return url.replace("{CHECKOUT_SESSION_ID}", session_id)


def page_blueprint(state: StripeState) -> Blueprint:
    page = Blueprint("stripe_checkout_page", __name__, template_folder="templates")

    def render(
        session: dict[str, Any], *, status: int = 200, error: str | None = None, field: str | None = None
    ) -> Response:
        with state.lock:
            items = list(state.extras[session["id"]].line_items)
            bank = allows(state, session["id"], "us_bank_account")
        context = {
            "session": session,
            "items": items,
            "bank_allowed": bank,
            "error": error,
            "error_field": field,
            "total": format_amount(session["amount_total"], session["currency"]),
            "format_amount": format_amount,
            "form": request.form if request.method == "POST" else {},
            # The form always posts to the page itself, also when it is re-rendered at .../authenticate.
            "action": request.script_root + PAGE_PATH.format(session_id=session["id"]),
            "cancel_url": with_session_id(session["cancel_url"], session["id"]) if session["cancel_url"] else None,
        }
        template = "stripe/checkout.html" if session["status"] == "open" else "stripe/closed.html"
        return Response(render_template(template, **context), status=status, content_type="text/html")

    def load(session_id: str) -> dict[str, Any] | Response:
        try:
            with state.lock:
                return get_session(state, session_id)
        except StripeError:
            return Response(render_template("stripe/not_found.html"), status=404, content_type="text/html")

    def success(session: dict[str, Any]) -> BaseResponse:
        return redirect(with_session_id(session["success_url"], session["id"]), code=303)

    @page.get(_RULE)
    def show(session_id: str) -> BaseResponse:
        session = load(session_id)
        return session if isinstance(session, Response) else render(session)

    @page.post(_RULE)
    def submit(session_id: str) -> BaseResponse:
        session = load(session_id)
        if isinstance(session, Response):
            return session
        form = request.form
        email = (form.get("email") or "").strip() or None
        name = (form.get("name") or "").strip() or None
        if session["status"] == "open" and not (email or session["customer_email"]):
            return render(session, status=422, error="Your email is incomplete.", field="email")
        try:
            if form.get("payment_method") == "us_bank_account":
                with state.lock:
                    pay_delayed(state, session_id, "us_bank_account", email=email, name=name)
                return success(session)
            card = cards.validate(
                form.get("card_number", ""),
                form.get("card_expiry", ""),
                form.get("card_cvc", ""),
                state.hub.clock.now(),
            )
            with state.lock:
                outcome = pay_card(
                    state,
                    session_id,
                    card,
                    email=email,
                    name=name,
                    authenticate_url=request.url_root.rstrip("/") + request.path + "/authenticate",
                )
        except cards.CardInputError as exc:
            return render(session, status=422, error=exc.message, field=exc.field)
        except PaymentRefused:
            return render(session, status=409)
        if outcome.status == "succeeded":
            return success(session)
        if outcome.status == "requires_action":
            return redirect(request.script_root + request.path + "/authenticate", code=303)
        return render(
            session, status=402, error=outcome.error["message"] if outcome.error else None, field="card_number"
        )

    @page.get(_RULE + "/authenticate")
    def challenge(session_id: str) -> Response:
        session = load(session_id)
        if isinstance(session, Response):
            return session
        if session["status"] != "open":
            return render(session)
        return Response(
            render_template(
                "stripe/authenticate.html",
                session=session,
                total=format_amount(session["amount_total"], session["currency"]),
            ),
            content_type="text/html",
        )

    @page.post(_RULE + "/authenticate")
    def challenge_answer(session_id: str) -> BaseResponse:
        session = load(session_id)
        if isinstance(session, Response):
            return session
        try:
            with state.lock:
                outcome = authenticate(state, session_id, passed=request.form.get("outcome") == "pass")
        except PaymentRefused:
            return render(session, status=409)
        if outcome.status == "succeeded":
            return success(session)
        return render(
            session, status=402, error=outcome.error["message"] if outcome.error else None, field="card_number"
        )

    return page
