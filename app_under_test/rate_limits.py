"""Rate limits on signing in and signing up (Flask-Limiter), so passwords cannot be guessed at speed.

Two keys each: the client's address (one machine trying many accounts) and the account named in the
form (many machines trying one account). The per-account sign-in limit counts only refused
passwords, so a person who signs in and out often is never locked out by their own successes.
Counters live in memory by default (one process), or in Redis when ``RATELIMIT_STORAGE_URI`` names
one, so every worker of a deployment shares them; if Redis stops answering, the limits fall back to
memory rather than taking sign-in down. A refused attempt is a 429 page (or JSON) with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from app_under_test.config import Config
from app_under_test.errors import error_response


def client_address() -> str:
    # The socket's peer: behind a proxy, deploy with werkzeug's ProxyFix so this is the client's address.
    return f"address:{request.remote_addr or 'unknown'}"


def account_named_in_form() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"account:{email}" if email else client_address()


def signed_in_account() -> str:
    return f"client:{current_user.id}" if current_user.is_authenticated else client_address()


def _refused_password(response: Response) -> bool:
    return response.status_code == 401


def install(app: Flask, config: Config) -> Limiter:
    """Attach the limiter to ``app`` and limit the sign-in and sign-up POSTs (call after the blueprints)."""
    limiter = Limiter(
        client_address,
        app=app,
        storage_uri=config.ratelimit_storage_uri,
        key_prefix=config.ratelimit_key_prefix,
        strategy="moving-window",
        headers_enabled=True,
        retry_after="delta-seconds",
        in_memory_fallback_enabled=True,
        enabled=config.rate_limits_enabled,
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1}
        if config.ratelimit_storage_uri.startswith("redis")
        else {},
    )
    # The limits below hold only a weak reference to the limiter, and a disabled one registers nowhere.
    app.extensions["rate_limiter"] = limiter
    # Flask-Limiter wraps sync and async views alike, so its wrapper is typed loosely as any callable.
    sign_in: Callable[..., Any] = app.view_functions["auth.sign_in"]
    sign_in = limiter.limit(
        config.sign_in_limit_per_account,
        key_func=account_named_in_form,
        methods=["POST"],
        deduct_when=_refused_password,
    )(sign_in)
    sign_in = limiter.limit(config.sign_in_limit_per_address, methods=["POST"])(sign_in)
    app.view_functions["auth.sign_in"] = sign_in
    sign_up: Callable[..., Any] = app.view_functions["auth.sign_up"]
    sign_up = limiter.limit(config.sign_up_limit_per_account, key_func=account_named_in_form, methods=["POST"])(sign_up)
    sign_up = limiter.limit(config.sign_up_limit_per_address, methods=["POST"])(sign_up)
    app.view_functions["auth.sign_up"] = sign_up
    # A stolen session must not become a way to guess the password behind it.
    change: Callable[..., Any] = app.view_functions["auth.change_password"]
    change = limiter.limit(
        config.sign_in_limit_per_account, key_func=signed_in_account, methods=["POST"], deduct_when=_refused_password
    )(change)
    app.view_functions["auth.change_password"] = change

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> ResponseReturnValue:
        return error_response(
            429,
            "too_many_requests",
            "Too many attempts from here or for this account; please wait a little and try again.",
        )

    return limiter
