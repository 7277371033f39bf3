"""The contract machinery itself: cases run once, failures stay out of the files, drift is caught."""

from __future__ import annotations

import json

import pytest
from pact import match

from contracts.support.cases import Exchange, HttpCase, MessageCase, Request, Response, State, with_renamed_field
from contracts.support.drift import accept, differences
from contracts.support.workspace import PactWorkspace
from harness import http_clients

pytestmark = pytest.mark.contract


def read_status(base_url: str) -> None:
    answer = http_clients.get(f"{base_url}/things/1", timeout=10).json()
    assert answer["status"] in ("open", "done")


GOOD = HttpCase(
    "thing-api",
    (
        Exchange(
            "read a thing",
            Request("GET", "/things/1"),
            Response(200, {"id": match.int(1), "status": match.regex("open", regex="^(open|done)$")}),
            states=(State("a thing exists", {"id": 1}),),
        ),
    ),
    read_status,
)
WRONG_PATH = HttpCase(
    "thing-api",
    (Exchange("read another thing", Request("GET", "/things/2"), Response(200, {"status": "open"})),),
    read_status,
)


def consume_status(body, metadata) -> None:
    assert json.loads(body)["status"] == "open"


MESSAGE = MessageCase("thing-events", "a thing opened", {"id": match.int(1), "status": "open"}, consume_status)


@pytest.fixture
def workspace():
    made = PactWorkspace([GOOD, WRONG_PATH, MESSAGE])
    yield made
    made.close()


def test_a_passing_case_is_written_with_its_state_and_matchers(workspace):
    workspace.check(GOOD)

    pact = json.loads((workspace.folder / "booking-service-thing-api.json").read_text())
    [interaction] = pact["interactions"]
    assert interaction["description"] == "read a thing"
    assert interaction["providerStates"] == [{"name": "a thing exists", "params": {"id": 1}}]
    assert "$.status" in interaction["response"]["matchingRules"]["body"]


def test_a_request_the_contract_does_not_describe_fails_and_is_left_out(workspace):
    with pytest.raises(Exception):  # noqa: B017 (a mock-server mismatch or the client's own failure)
        workspace.check(WRONG_PATH)
    assert not workspace.run(WRONG_PATH).passed
    failed = workspace.complete()

    assert [o.case.id for o in failed] == [WRONG_PATH.id]
    pact = json.loads((workspace.folder / "booking-service-thing-api.json").read_text())
    assert [i["description"] for i in pact["interactions"]] == ["read a thing"]


def test_each_case_runs_once_per_session(workspace):
    first = workspace.run(GOOD)
    assert workspace.run(GOOD) is first


def test_message_cases_are_consumed_and_written(workspace):
    workspace.check(MESSAGE)

    pact = json.loads((workspace.folder / "booking-service-thing-events.json").read_text())
    assert pact["interactions"][0]["type"] == "Asynchronous/Messages"


def test_renaming_a_field_the_consumer_reads_fails_the_case(workspace):
    with pytest.raises(KeyError, match="status"):
        workspace.check(with_renamed_field(GOOD, "status", "state"))
    with pytest.raises(KeyError, match="status"):
        workspace.check(with_renamed_field(MESSAGE, "status", "state"))
    with pytest.raises(ValueError, match="no field"):
        with_renamed_field(GOOD, "missing", "other")


def test_drift_is_reported_as_a_diff_and_accept_makes_it_go_away(tmp_path):
    fresh, kept = tmp_path / "fresh", tmp_path / "kept"
    fresh.mkdir()
    kept.mkdir()
    (fresh / "a.json").write_text(json.dumps({"interactions": [{"description": "new"}]}))
    (kept / "a.json").write_text(json.dumps({"interactions": [{"description": "old"}]}))
    (kept / "gone.json").write_text("{}")
    (fresh / "b.json").write_text("{}")

    found = differences(fresh, kept)
    assert any('-      "description": "old"' in d and '+      "description": "new"' in d for d in found)
    assert "b.json: new pact file, not committed yet" in found
    assert "gone.json: committed, but no contract case writes it any more" in found

    accept(fresh, kept)
    assert differences(fresh, kept) == []
    assert sorted(p.name for p in kept.glob("*.json")) == ["a.json", "b.json"]
