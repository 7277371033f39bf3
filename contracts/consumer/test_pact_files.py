"""The committed pact files are exactly what the app's code expects today.

Fails with a diff when a consumer case changed what it expects (or a case was
added or removed) and ``contracts/pacts/`` was not regenerated; accept the new
files with ``PACT_UPDATE=1`` and commit them with the change that caused them.
"""

from __future__ import annotations

import os

import pytest

from contracts.support.drift import accept, differences
from contracts.support.names import ACCEPT_COMMAND, PACTS_DIR, UPDATE_VARIABLE

pytestmark = pytest.mark.contract


def test_committed_pacts_match_what_the_app_expects(pact_workspace, regenerated_pacts):
    failed = [o.case.id for o in pact_workspace.complete()]
    assert not failed, "consumer cases failed, so their interactions are missing from the pacts:\n  " + "\n  ".join(
        failed
    )
    if os.environ.get(UPDATE_VARIABLE) == "1":
        changed = accept(regenerated_pacts, PACTS_DIR)
        print("pact files accepted:", ", ".join(changed) or "no change")
    found = differences(regenerated_pacts, PACTS_DIR)
    assert not found, (
        "contracts/pacts/ is not what the app's code expects now:\n\n"
        + "\n".join(found)
        + f"\nIf the change is intended, accept it with:  {ACCEPT_COMMAND}\nand commit contracts/pacts/."
    )
