"""Splitting one run across CI jobs (pytest-split), and merging the jobs' reports into one verdict.

``--shard K/N`` becomes pytest-split's ``--splits N --group K`` over the committed durations file
(``test-durations.json``, refreshed with ``harness test --store-durations --durations-path
test-durations.json``), so each job gets about the same test time and every test lands in exactly one
job; pytest-xdist still spreads a shard over the job's cores. Each shard writes its reports under
its own name (``junit.shard-1-of-4.xml``...); ``harness merge-reports`` reads them all back, refuses
a missing shard, and writes one JUnit XML, one cucumber JSON and one HTML report (junit2html) with
one exit code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.report import junit_totals

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "test-durations.json"  # committed: the time each test took in a whole run
SHARD_NAME = re.compile(r"^(?P<stem>.+)\.shard-(?P<k>\d+)-of-(?P<n>\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI job matrices count
    total: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not match:
            raise ValueError(f"--shard {text!r}: expected K/N, e.g. 1/4")
        index, total = int(match[1]), int(match[2])
        if not 1 <= index <= total:
            raise ValueError(f"--shard {text}: K must be between 1 and N")
        return cls(index, total)

    @property
    def suffix(self) -> str:
        return f".shard-{self.index}-of-{self.total}"

    def pytest_args(self) -> list[str]:
        return ["--splits", str(self.total), "--group", str(self.index), "--durations-path", str(DURATIONS)]

    def name(self, path: Path) -> Path:
        """``reports/junit.xml`` -> ``reports/junit.shard-1-of-2.xml``."""
        return path.with_name(f"{path.stem}{self.suffix}{path.suffix}")


@dataclass
class MergedReports:
    junit: Path
    cucumber: Path
    html: Path
    totals: Counter[str]
    shards_found: list[int]
    shards_expected: int

    @property
    def missing(self) -> list[int]:
        return [k for k in range(1, self.shards_expected + 1) if k not in self.shards_found]

    @property
    def verdict(self) -> int:
        """0 only when every shard reported and nothing failed."""
        return 0 if not self.missing and self.totals["failed"] == 0 and self.shards_expected else 1


def _shard_files(folder: Path, stem: str, suffix: str) -> dict[int, tuple[int, Path]]:
    found: dict[int, tuple[int, Path]] = {}
    for path in sorted(folder.glob(f"{stem}.shard-*{suffix}")):
        match = SHARD_NAME.match(path.name[: -len(suffix)])
        if match and match["stem"] == stem:
            found[int(match["k"])] = (int(match["n"]), path)
    return found


def merge_cucumber(paths: list[Path]) -> list[dict[str, Any]]:
    """Features from several cucumber JSON files, one entry per feature file with all its scenarios."""
    features: dict[str, dict[str, Any]] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8").strip() if path.exists() else ""
        for feature in json.loads(text) if text else []:
            merged = features.setdefault(feature["uri"], {**feature, "elements": []})
            merged["elements"].extend(feature.get("elements", []))
    return list(features.values())


def merge_reports(folder: Path, stem: str = "junit", cucumber_stem: str = "cucumber") -> MergedReports:
    """Merge ``<stem>.shard-K-of-N.xml`` and ``<cucumber_stem>.shard-K-of-N.json`` found in ``folder``."""
    junits = _shard_files(folder, stem, ".xml")
    totals_expected = {n for n, _ in junits.values()}
    if len(totals_expected) > 1:
        raise ValueError(f"{folder}: shard reports of different splits {sorted(totals_expected)}; clear the folder")
    expected = totals_expected.pop() if totals_expected else 0
    merged_junit = folder / f"{stem}.merged.xml"
    merged_cucumber = folder / f"{cucumber_stem}.merged.json"
    merged_html = folder / f"{stem}.merged.html"
    junit_paths = [path for _, path in junits.values()]
    if junit_paths:
        # junit2html merges the test suites and renders one self-contained page
        subprocess.run(
            [sys.executable, "-m", "junit2htmlreport", "--merge", str(merged_junit), *map(str, junit_paths)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "junit2htmlreport", str(merged_junit), str(merged_html)],
            check=True,
            capture_output=True,
        )
    cucumbers = [path for _, path in _shard_files(folder, cucumber_stem, ".json").values()]
    merged_cucumber.write_text(json.dumps(merge_cucumber(cucumbers)), encoding="utf-8")
    return MergedReports(
        junit=merged_junit,
        cucumber=merged_cucumber,
        html=merged_html,
        totals=junit_totals(merged_junit),
        shards_found=sorted(junits),
        shards_expected=expected,
    )
