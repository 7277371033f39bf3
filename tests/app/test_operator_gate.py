"""Every operator API module is a blueprint made by ``operator_blueprint``: mounted under /admin/api and gated by
the operator's Bearer token, whatever the module. Checked on a blueprint made here, at test time (the app's own
are made when their modules are imported)."""

from __future__ import annotations

from flask import Flask

from app_under_test.config import Config
from app_under_test.views.operator import operator_blueprint

TOKEN = "operator-token-for-the-gate-0123456789"


def _app_with_a_new_operator_module(token: str | None) -> Flask:
    blueprint = operator_blueprint("admin_extra", __name__)

    @blueprint.get("/extra/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    app = Flask(__name__)
    app.extensions["booking_config"] = Config(env="test", admin_api_token=token)
    app.register_blueprint(blueprint)
    return app


def test_a_new_operator_module_is_mounted_under_admin_api_behind_the_token():
    client = _app_with_a_new_operator_module(TOKEN).test_client()
    refused = client.get("/admin/api/extra/ping")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="operator API"'
    assert client.get("/admin/api/extra/ping", headers={"Authorization": f"Bearer {TOKEN}"}).get_json() == {
        "pong": "yes"
    }
    assert client.get("/extra/ping", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_without_an_operator_token_configured_a_new_module_does_not_exist():
    client = _app_with_a_new_operator_module(None).test_client()
    assert client.get("/admin/api/extra/ping", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
