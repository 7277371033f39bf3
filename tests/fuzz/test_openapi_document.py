"""The OpenAPI document describes exactly the JSON routes the app serves: no route undocumented, none invented."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from tests.fuzz.fuzz_app import fuzzed_app, spec

JSON_PREFIXES = ("/api/", "/admin/api/", "/healthz", "/readyz")


def _flask_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(JSON_PREFIXES):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def _documented(document: dict) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_the_document_is_valid_openapi_3_1():
    document = spec()
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.database
def test_every_json_route_is_documented_and_every_documented_route_exists(db_url):
    app = fuzzed_app(db_url)
    try:
        served, documented = _flask_routes(app), _documented(spec())
    finally:
        app.extensions["booking_db"].dispose()
    assert served - documented == set(), "routes missing from app_under_test/openapi.yaml"
    assert documented - served == set(), "documented routes the app does not serve"


def test_every_operator_operation_requires_the_token():
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if path.startswith("/admin/api/"):
                assert operation.get("security") == [{"operatorToken": []}], f"{method} {path}"
                assert "401" in operation["responses"], f"{method} {path}"
