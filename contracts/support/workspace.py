"""The pact files of this test session, regenerated from every contract case.

Each case runs once per session (whichever test asks first) and, when it
passes, merges its interaction into a temporary pact folder. ``complete()``
runs whatever has not run yet, so the drift check and the provider
verification always see the full set, however the tests were selected or
ordered. A case that failed is left out of the files and its failure is
raised again to whoever asks for it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from contracts.support.cases import Case, run_case


@dataclass
class Outcome:
    case: Case
    error: BaseException | None

    @property
    def passed(self) -> bool:
        return self.error is None


class PactWorkspace:
    def __init__(self, cases: list[Case]) -> None:
        ids = [case.id for case in cases]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"contract case ids must be unique: {duplicates}")
        self.cases = list(cases)
        self.folder = Path(tempfile.mkdtemp(prefix="pacts-"))
        self._outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()

    def run(self, case: Case) -> Outcome:
        with self._lock:
            if case.id not in self._outcomes:
                try:
                    run_case(case, self.folder)
                    error = None
                except Exception as exc:  # noqa: BLE001 (kept and raised again to the case's own test)
                    error = exc
                self._outcomes[case.id] = Outcome(case, error)
            return self._outcomes[case.id]

    def check(self, case: Case) -> None:
        """Run the case (once) and raise its failure, if it failed."""
        outcome = self.run(case)
        if outcome.error is not None:
            raise outcome.error

    def complete(self) -> list[Outcome]:
        """Every case run; returns the failed ones (their interactions are not in the files)."""
        return [outcome for outcome in map(self.run, self.cases) if not outcome.passed]

    def pact_files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json"))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
