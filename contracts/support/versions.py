"""Versions for the deploy gate: a pact file's content hash, and the commit that ran it.

The consumer version of a pact is the hash of the file itself: the same
expectations always get the same version, whether or not they are committed
yet, and any change to them is a new version that needs its own verification.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from contracts.support.names import ROOT


def pact_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def git_commit() -> str | None:
    """The checked-out commit (with ``+dirty`` when the work tree has changes), or None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head
