"""Schemathesis against the JSON API and the operator API, from app_under_test/openapi.yaml.

Every operation gets valid (positive) and invalid (negative) data; then stateful runs follow the
document's links (create a builder -> add a session type, list its bookings). The only acceptable
answers are the documented ones: a 5xx, an undocumented status, a body that does not match its
schema, or invalid data accepted, fails the test. Seeded; the budget is in conftest.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from harness.fuzz_report import record_fuzz_requests
from tests.fuzz.conftest import fuzz_budget, hypothesis_settings
from tests.fuzz.fuzz_app import OPERATOR_AUTH, SPEC_PATH, fuzzed_app

pytestmark = [pytest.mark.database, pytest.mark.fuzz]
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api(db_url):
    app = fuzzed_app(db_url)
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.app = app  # requests go to the WSGI app in-process
    # The operator token is sent with every request (the refusals without it are tested by hand), and
    # unknown query parameters are ignored, as on any web service, so they are not generated.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    # Invalid data must be refused with a 4xx; 413 (a body over the limit) is a refusal too.
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(expected_statuses=REFUSALS)
    yield schema
    app.extensions["booking_db"].dispose()


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the document lost operations"
    return operations


def _can_be_invalid(operation) -> bool:
    # Path parameters and bodies can break their schema; a query string of free-text filters cannot.
    return bool(len(operation.path_parameters)) or bool(list(operation.body))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_every_operation_answers_only_what_is_documented(api, mode, request):
    sent = 0
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    for operation in _operations(api):
        if mode is GenerationMode.NEGATIVE and not _can_be_invalid(operation):
            continue  # nothing to make invalid (GET /healthz, GET /admin/api/mail?status=...)

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(fuzz_budget().examples_per_operation)
        def call(case):
            nonlocal sent
            response = case.call(headers=OPERATOR_AUTH)
            sent += 1
            case.validate_response(response, checks=checks, headers=OPERATOR_AUTH)

        call()
    record_fuzz_requests(request.node, sent)
    assert sent > 0


def test_workflows_following_the_documents_links(api, request):
    sent = 0

    class Workflows(api.as_state_machine()):
        def call(self, case, **kwargs):
            nonlocal sent
            sent += 1
            return case.call(headers=OPERATOR_AUTH, **kwargs)

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=OPERATOR_AUTH)

    budget = fuzz_budget()
    Workflows.run(settings=hypothesis_settings(budget.stateful_examples, stateful_step_count=budget.stateful_steps))
    record_fuzz_requests(request.node, sent)
    assert sent > 0
