"""The order in which pytest-xdist hands out work: the longest units first.

With ``--dist loadgroup`` a worker takes one unit at a time (an ``xdist_group`` with all its tests,
or a single test) and takes the next when it is done. pytest-xdist would order the units by how
many tests they hold, so a one-test unit of half a minute (a storm, a process that is killed and
restarted) could be handed out last and leave the other worker idle while it runs. Ordered by the
time each unit took in a whole run (``test-durations.json``, the file the shards are cut from), the
last units handed out are the short ones, and the workers finish together (longest processing time
first). A test the file does not know counts as the median test.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class _Item(Protocol):
    nodeid: str

    def get_closest_marker(self, name: str) -> object | None: ...


def known_durations(path: Path) -> dict[str, float]:
    """Seconds per test id, with and without pytest-xdist's ``@group`` suffix; empty if there is no file."""
    try:
        recorded: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    durations = dict(recorded)
    for nodeid, seconds in recorded.items():
        bare, _, group = nodeid.rpartition("@")
        if bare and "]" not in group and "::" not in group:
            durations.setdefault(bare, seconds)
    return durations


def _unit(item: _Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    args = getattr(marker, "args", ()) or ()
    kwargs = getattr(marker, "kwargs", {}) or {}
    name = args[0] if args else kwargs.get("name")
    return f"group:{name}" if name else f"test:{item.nodeid}"


def longest_units_first(items: Sequence[_Item], durations: dict[str, float]) -> list[_Item]:
    """The items reordered so that units with the most recorded time come first; within a unit, and
    between units of equal time, the collection order stays."""
    if not items:
        return []
    typical = statistics.median(durations.values()) if durations else 1.0
    totals: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for position, item in enumerate(items):
        unit = _unit(item)
        totals[unit] = totals.get(unit, 0.0) + durations.get(item.nodeid, typical)
        first_seen.setdefault(unit, position)
    return sorted(items, key=lambda item: (-totals[_unit(item)], first_seen[_unit(item)]))
