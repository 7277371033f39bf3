"""HTTP surface of the booking service: one blueprint per noun."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app_under_test.views import (
        admin_api,
        admin_calendly,  # noqa: F401  (adds the Calendly routes to the operator API)
        admin_mail,  # noqa: F401  (adds the mail routes to the operator API)
        admin_payments,  # noqa: F401  (adds the payment routes to the operator API)
        admin_webhooks,  # noqa: F401  (adds the inbox routes to the operator API)
        api,
        auth,
        booking,
        health,
        marketplace,
        payments,
        webhooks,
    )

    for module in (marketplace, booking, payments, auth, health, api, admin_api, webhooks):
        app.register_blueprint(module.blueprint)
