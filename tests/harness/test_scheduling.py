"""pytest-xdist gets the longest units of work first, so no long test is left for the end of a run."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from harness.scheduling import known_durations, longest_units_first


@dataclass
class Item:
    nodeid: str
    group: str | None = None

    def get_closest_marker(self, name: str):
        return pytest.mark.xdist_group(self.group).mark if name == "xdist_group" and self.group else None


def ids(items) -> list[str]:
    return [item.nodeid for item in items]


def test_a_long_single_test_goes_before_a_group_of_many_short_ones():
    items = [Item("a::quick1", "contracts"), Item("a::quick2", "contracts"), Item("b::storm"), Item("c::unit")]
    durations = {"a::quick1": 0.1, "a::quick2": 0.2, "b::storm": 30.0, "c::unit": 0.01}

    assert ids(longest_units_first(items, durations)) == ["b::storm", "a::quick1", "a::quick2", "c::unit"]


def test_a_group_counts_the_time_of_all_its_tests_and_stays_in_collection_order():
    items = [Item("x::one"), Item("j::a", "browser"), Item("x::two"), Item("j::b", "browser")]
    durations = {"x::one": 5.0, "j::a": 3.0, "x::two": 1.0, "j::b": 3.0}

    assert ids(longest_units_first(items, durations)) == ["j::a", "j::b", "x::one", "x::two"]


def test_an_unknown_test_counts_as_the_median_and_ties_keep_the_collection_order():
    items = [Item("new::test"), Item("old::short"), Item("old::long"), Item("old::middle")]
    durations = {"old::short": 1.0, "old::middle": 2.0, "old::long": 9.0}

    assert ids(longest_units_first(items, durations)) == ["old::long", "new::test", "old::middle", "old::short"]
    assert ids(longest_units_first(items, {})) == ids(items)  # no file: nothing to go by, nothing moves


def test_the_recorded_ids_are_known_with_and_without_their_group_suffix(tmp_path):
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"t.py::test[a@b.example]": 1.5, "t.py::test_x@browser": 4.0}), encoding="utf-8")

    durations = known_durations(path)

    assert durations["t.py::test_x"] == 4.0 and durations["t.py::test_x@browser"] == 4.0
    assert durations["t.py::test[a@b.example]"] == 1.5 and "t.py::test[a" not in durations  # an e-mail is not a group
    assert known_durations(tmp_path / "missing.json") == {}
