"""The booking service: a small but real Flask app (``create_app`` is the only entry point)."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from app_under_test import body_limits
from app_under_test.config import Config
from app_under_test.db import Database
from app_under_test.observability import configure_logging, configure_sentry, install_request_logging
from app_under_test.template_cache import PAGES


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    config.validate()

    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": PAGES}
    app.config.update(
        SECRET_KEY=config.secret_key,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["booking_config"] = config
    app.extensions["booking_db"] = Database(config.database_url)

    body_limits.install(app, config)  # first: nothing may read a body before its limit is set

    configure_logging(config)
    configure_sentry(config)
    install_request_logging(app)

    csrf = CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.sign_in"
    login.login_message = "Please sign in to manage your account."  # only account pages require sign-in

    from app_under_test.views import register_blueprints
    from app_under_test.views.auth import load_client

    login.user_loader(load_client)
    register_blueprints(app)
    from app_under_test.views import operator_blueprints, webhooks

    for blueprint in operator_blueprints():
        csrf.exempt(blueprint)  # Bearer-token API, no cookies: CSRF cannot apply
    csrf.exempt(webhooks.blueprint)  # providers authenticate by signature

    from app_under_test.commands import register_commands
    from app_under_test.errors import register_error_handlers
    from app_under_test.providers import build_slot_provider

    register_error_handlers(app)
    from app_under_test import input_guard, rate_limits, security_headers

    input_guard.install(app)
    rate_limits.install(app, config)
    security_headers.install(app, config)
    app.extensions["slot_provider"] = build_slot_provider(config)
    register_commands(app)
    from app_under_test import mail

    mail.install(app)
    subscribe_to_booking_events(app)
    return app


def subscribe_to_booking_events(app: Flask) -> None:
    """The booking side effects, in order: refunds first, so the cancellation mail can name the refund."""
    from app_under_test.event_bus import EventBus, attach
    from app_under_test.mail import subscribers as mail_subscribers
    from app_under_test.payments import subscribers as payment_subscribers

    bus = EventBus()
    payment_subscribers.subscribe(bus)
    mail_subscribers.subscribe(bus)
    attach(app.extensions["booking_db"].session_info, bus)
    app.extensions["booking_event_bus"] = bus
