"""One test per consumer contract case: the app's real code against the Pact mock server.

HTTP cases drive the app's Stripe, Calendly and SendGrid clients against a
mock server that answers as the contract says and fails on any request the
contract does not describe; message cases hand each webhook to the app's own
handler. The case definitions live in the ``*_cases`` modules next to this one.
"""

from __future__ import annotations

import pytest

from contracts.consumer.catalog import all_cases

pytestmark = pytest.mark.contract

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_consumer_contract(pact_workspace, case):
    pact_workspace.check(case)
