"""Readable summaries of a run, from the reports pytest wrote (cucumber JSON, JUnit XML)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class FeatureResult:
    name: str
    uri: str
    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _scenario_status(element: dict[str, Any]) -> str:
    statuses = [step.get("result", {}).get("status", "skipped") for step in element.get("steps", [])]
    if any(s == "failed" for s in statuses):
        return "failed"
    if statuses and all(s == "passed" for s in statuses):
        return "passed"
    return "skipped"


def feature_results(cucumber_json: Path) -> list[FeatureResult]:
    if not cucumber_json.exists() or not cucumber_json.read_text().strip():
        return []
    results: dict[str, FeatureResult] = {}
    for feature in json.loads(cucumber_json.read_text()):
        result = results.setdefault(feature["uri"], FeatureResult(feature["name"], feature["uri"], Counter()))
        for element in feature.get("elements", []):
            result.counts[_scenario_status(element)] += 1
    return sorted(results.values(), key=lambda r: r.uri)


def junit_totals(junit_xml: Path) -> Counter[str]:
    totals: Counter[str] = Counter()
    if not junit_xml.exists():
        return totals
    root = ET.parse(junit_xml).getroot()
    for case in root.iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        totals[outcome] += 1
    return totals


def feature_table(results: list[FeatureResult]) -> str:
    if not results:
        return "no feature results were recorded"
    width = max(len(r.name) for r in results)
    lines = [f"{'feature'.ljust(width)}  passed  failed  skipped", "-" * (width + 26)]
    for r in results:
        marker = "" if not r.counts["failed"] else "   <-- FAILED"
        lines.append(
            f"{r.name.ljust(width)}  {r.counts['passed']:>6}  {r.counts['failed']:>6}  {r.counts['skipped']:>7}{marker}"
        )
    totals = sum((r.counts for r in results), Counter())
    lines.append("-" * (width + 26))
    lines.append(
        f"{'scenarios (all features)'.ljust(width)}  {totals['passed']:>6}  {totals['failed']:>6}  "
        f"{totals['skipped']:>7}"
    )
    return "\n".join(lines)
