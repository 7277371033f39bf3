"""HTTP surface of the booking service: one blueprint per noun."""

from __future__ import annotations

from flask import Blueprint, Flask


def operator_blueprints() -> list[Blueprint]:
    """The operator API's blueprints (``/admin/api``, Bearer token, no cookies), one per ``admin_*`` module."""
    from app_under_test.views import admin_api, admin_calendly, admin_mail, admin_payments, admin_webhooks

    return [module.blueprint for module in (admin_api, admin_calendly, admin_mail, admin_payments, admin_webhooks)]


def register_blueprints(app: Flask) -> None:
    from app_under_test.views import api, auth, booking, health, marketplace, payments, webhooks

    for module in (marketplace, booking, payments, auth, health, api, webhooks):
        app.register_blueprint(module.blueprint)
    for blueprint in operator_blueprints():
        app.register_blueprint(blueprint)
