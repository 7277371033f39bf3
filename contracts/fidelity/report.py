"""What a fidelity check found for one provider, and the table ``docs/fidelity.md`` is made of."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ProviderReport:
    provider: str
    description: str  # which published description, pinned where
    endpoints: list[str] = field(default_factory=list)  # simulated operations, "METHOD /path"
    event_types: list[str] = field(default_factory=list)  # simulated webhook events
    validated: Counter = field(default_factory=Counter)  # object kind -> how many were checked
    violations: list[str] = field(default_factory=list)
    divergences: list[tuple[str, str]] = field(default_factory=list)  # (what, why), deliberate
    appendix: str = ""  # more markdown for the provider's section (Stripe: the Schemathesis tally)

    def check(self, kind: str, found: list[str], where: str) -> None:
        """Count one validated object of ``kind`` and keep its problems, prefixed with where it came from."""
        self.validated[kind] += 1
        self.violations += [f"{where}: {problem}" for problem in found]


def _cell(items: list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "-"


def markdown(reports: list[ProviderReport]) -> str:
    lines = [
        "| provider | description checked against | endpoints simulated | webhook events simulated "
        "| objects validated | violations |",
        "|---|---|---|---|---|---|",
    ]
    for report in reports:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(report.validated.items()))
        lines.append(
            f"| {report.provider} | {report.description} | {_cell(report.endpoints)} "
            f"| {_cell(report.event_types)} | {sum(report.validated.values())} ({kinds}) "
            f"| {len(report.violations)} |"
        )
    for report in reports:
        lines += ["", f"### {report.provider}: deliberate divergences", "", "| what | why |", "|---|---|"]
        lines += [f"| {what} | {why} |" for what, why in report.divergences] or ["| - | - |"]
        if report.appendix:
            lines.append(report.appendix.rstrip("\n"))
        if report.violations:
            lines += ["", f"### {report.provider}: violations", ""] + [f"- {v}" for v in report.violations]
    return "\n".join(lines) + "\n"
