"""The simulated Calendly, mounted at ``/calendly``: API v2 plus the hosted pages.

API routes sit at the same paths as on ``api.calendly.com`` (so the app's
``CALENDLY_API_BASE`` is ``<simulator>/calendly``) and need a personal access
token; the hosted scheduling, cancel and reschedule pages need none, as on
calendly.com. Errors are always Calendly's ``{title, message, details?}``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from simulators.calendly.account import account_for
from simulators.calendly.actions import ActionError
from simulators.calendly.api_events import events_blueprint
from simulators.calendly.api_scheduling import scheduling_blueprint
from simulators.calendly.api_support import NOT_FOUND, add_rate_headers, authenticate, error, from_action_error
from simulators.calendly.api_webhooks import webhooks_blueprint
from simulators.calendly.pages import pages_blueprint
from simulators.delivery import PlanError
from simulators.hub import SimHub


def create_app(hub: SimHub) -> Flask:
    account = account_for(hub)
    state = account.state
    app = Flask("simulators.calendly")

    api = Blueprint("calendly_api", __name__)
    api.before_request(lambda: authenticate(state))
    api.after_request(add_rate_headers)
    api.register_blueprint(scheduling_blueprint(account))
    api.register_blueprint(events_blueprint(account))
    api.register_blueprint(webhooks_blueprint(account))
    app.register_blueprint(api)
    app.register_blueprint(pages_blueprint(account))

    @app.before_request
    def remember_host() -> None:
        # cancel/reschedule/scheduling URLs point at whatever host the simulator is reached by
        state.site_root = request.host_url.rstrip("/")

    @app.errorhandler(ActionError)
    def action_error(exc: ActionError) -> ResponseReturnValue:
        return add_rate_headers(from_action_error(exc))

    @app.errorhandler(PlanError)
    def plan_refused(exc: PlanError) -> ResponseReturnValue:
        # the action happened; only its webhook could not be faulted as planned
        return error(500, "Internal Server Error", f"delivery plan could not be applied: {exc}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if exc.code == 404:
            return error(404, *NOT_FOUND)
        return error(exc.code or 500, exc.name, exc.description or exc.name)

    return app
