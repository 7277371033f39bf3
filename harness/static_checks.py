"""The static checks ``harness test`` runs before any test: lint, format, types, import layers.

They take seconds and fail for reasons a test run would only hide, so they come first and a
failure stops the run with the command to reproduce it. Each tool is configured in
pyproject.toml (ruff, mypy, import-linter's layer contracts); the same hooks run from
.pre-commit-config.yaml.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Check:
    name: str
    argv: tuple[str, ...]

    def command(self) -> list[str]:
        """The tool's own script in this virtualenv, so the pinned version runs."""
        return [str(Path(sys.executable).parent / self.argv[0]), *self.argv[1:]]


CHECKS = (
    Check("ruff check", ("ruff", "check", "--no-fix", ".")),
    Check("ruff format --check", ("ruff", "format", "--check", ".")),
    Check("mypy", ("mypy",)),
    Check("lint-imports", ("lint-imports", "--no-cache")),
)


def run_static_checks() -> int:
    """Run every check in turn; the first failure prints its output and the exit code is non-zero."""
    for check in CHECKS:
        started = time.monotonic()
        done = subprocess.run(check.command(), cwd=ROOT, capture_output=True, text=True, check=False)
        took = time.monotonic() - started
        if done.returncode != 0:
            print(done.stdout + done.stderr, end="")
            print(f"harness: {check.name} failed (exit code {done.returncode}); fix it first (run: {check.name})")
            return done.returncode
        print(f"harness: {check.name} passed ({took:.1f} s)")
    return 0
