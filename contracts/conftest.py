"""Fixtures of the contract tests: this session's pact files, regenerated from every consumer case.

Consumer tests run their case through ``pact_workspace`` (each case once per
session); the drift check and the provider verification ask for
``regenerated_pacts``, which first runs every case not yet run. So the
provider side always verifies what the app's code expects *now*, and any
selection or order of tests gives the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contracts.support.workspace import PactWorkspace

# The Pact library reports usage over the network unless told not to; runs here are offline and private.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")


@pytest.fixture(scope="session")
def pact_workspace():
    from contracts.consumer import consumer_app
    from contracts.consumer.catalog import all_cases

    workspace = PactWorkspace(all_cases())
    yield workspace
    workspace.close()
    consumer_app.stop()


@pytest.fixture(scope="session")
def regenerated_pacts(pact_workspace: PactWorkspace) -> Path:
    """The folder of pact files written by this session's run of every consumer case."""
    pact_workspace.complete()
    return pact_workspace.folder
