"""Security headers on every answer (Flask-Talisman): CSP, framing, sniffing, referrer, HSTS in production.

The Content-Security-Policy allows only this site's own scripts, styles and images; the few inline
scripts carry the per-request nonce (``csp_nonce()`` in templates). Forms may post to this site and
lead on to Stripe's hosted payment page (a booking's POST redirects there, and browsers apply
``form-action`` to that redirect). HTTPS is not forced here (TLS ends at the proxy) but production
answers carry HSTS when the request came over HTTPS.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_talisman import Talisman

from app_under_test.config import Config


def content_security_policy(config: Config) -> dict[str, Any]:
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "form-action": f"'self' {config.checkout_origin}",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }


def install(app: Flask, config: Config) -> Talisman:
    return Talisman(
        app,
        force_https=False,
        strict_transport_security=config.is_production,
        strict_transport_security_max_age=365 * 24 * 3600,
        strict_transport_security_include_subdomains=True,
        frame_options="DENY",
        referrer_policy="same-origin",
        content_security_policy=content_security_policy(config),
        content_security_policy_nonce_in=["script-src"],
        session_cookie_secure=config.is_production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()"},
    )
