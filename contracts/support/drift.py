"""Do the committed pact files say what the app's code expects today?

The regenerated files are compared with ``contracts/pacts/`` as parsed JSON
(pretty-printed for the diff), so a change to what the app expects cannot land
without the pact files changing in the same review. ``accept`` copies the
regenerated files over the committed ones (``PACT_UPDATE=1``).
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path


def _pretty(path: Path) -> list[str]:
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, sort_keys=True).splitlines(keepends=True)


def differences(regenerated: Path, committed: Path) -> list[str]:
    """One entry per file that differs: a unified diff, or a note that it is missing or stale."""
    fresh = {p.name: p for p in regenerated.glob("*.json")}
    kept = {p.name: p for p in committed.glob("*.json")} if committed.is_dir() else {}
    found: list[str] = []
    for name in sorted(fresh.keys() | kept.keys()):
        if name not in kept:
            found.append(f"{name}: new pact file, not committed yet")
        elif name not in fresh:
            found.append(f"{name}: committed, but no contract case writes it any more")
        else:
            diff = difflib.unified_diff(
                _pretty(kept[name]), _pretty(fresh[name]), fromfile=f"committed/{name}", tofile=f"regenerated/{name}"
            )
            text = "".join(diff)
            if text:
                found.append(text)
    return found


def accept(regenerated: Path, committed: Path) -> list[str]:
    """Make ``committed`` hold exactly the regenerated files; returns the names written or removed."""
    committed.mkdir(parents=True, exist_ok=True)
    changed = []
    fresh = {p.name for p in regenerated.glob("*.json")}
    for stale in committed.glob("*.json"):
        if stale.name not in fresh:
            stale.unlink()
            changed.append(f"removed {stale.name}")
    for name in sorted(fresh):
        target = committed / name
        source = regenerated / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            changed.append(f"wrote {name}")
    return changed
