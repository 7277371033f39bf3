"""Verify one pact file against a simulator and record the result for the deploy gate.

``verify_pact`` runs pact-python's ``Verifier`` (HTTP transport for an API,
message handlers for webhooks, provider states through ``StateServer``) and
returns a ``VerificationReport``; ``write_report`` stores it as JSON under
``reports/pact-verification/<consumer>/<provider>/<consumer version>.json``,
where ``python -m contracts.can_i_deploy`` looks for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.support.names import RESULTS_DIR
from contracts.support.states import StateServer
from contracts.support.versions import git_commit, pact_version


@dataclass
class InteractionResult:
    description: str
    result: str  # "OK" or the verifier's failure kind
    states: list[str] = field(default_factory=list)
    pending: bool = False  # declared pending by the consumer: reported, never blocking

    @property
    def ok(self) -> bool:
        return self.result == "OK"


@dataclass
class VerificationReport:
    consumer: str
    provider: str
    consumer_version: str
    pact_file: str
    provider_version: str | None
    verified_at: str
    success: bool
    interactions: list[InteractionResult]
    output: str = ""
    state_errors: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        return [i.description for i in self.interactions if not i.ok and not i.pending]

    def pending_failures(self) -> list[str]:
        return [i.description for i in self.interactions if not i.ok and i.pending]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("output")
        return data


def pact_participants(pact_file: Path) -> tuple[str, str, list[str]]:
    data = json.loads(pact_file.read_text(encoding="utf-8"))
    return data["consumer"]["name"], data["provider"]["name"], [i["description"] for i in data.get("interactions", [])]


def pending_interactions(pact_file: Path) -> set[str]:
    data = json.loads(pact_file.read_text(encoding="utf-8"))
    return {i["description"] for i in data.get("interactions", []) if i.get("pending")}


def run_verifier(
    verifier,
    *,
    provider_url: str | None = None,
    states: StateServer | None = None,
    messages: dict[str, Callable[..., Any]] | None = None,
) -> tuple[bool, dict[str, Any], str]:
    """Add the transports and state handler, run; returns (ran to the end and passed, results JSON, output)."""
    verifier.set_coloured_output(enabled=False).set_request_timeout(20_000)
    if provider_url is not None:
        verifier.add_transport(url=provider_url)
    if messages is not None:
        verifier.message_handler(messages)
    if states is not None:
        verifier.state_handler(states.url, teardown=True, body=True)
    try:
        verifier.verify()
        passed = True
    except RuntimeError:  # the FFI reports failed interactions (and errors) this way
        passed = False
    results = verifier.results
    return passed and bool(results.get("result")), results, str(verifier.output(strip_ansi=True))


def verify_pact(
    pact_file: Path,
    *,
    provider_url: str | None = None,
    states: StateServer | None = None,
    messages: dict[str, Callable[..., Any]] | None = None,
) -> VerificationReport:
    """Replay every interaction of ``pact_file``; never raises for a failed interaction (see ``success``)."""
    from pact import Verifier

    consumer, provider, descriptions = pact_participants(pact_file)
    verifier = Verifier(provider, host="127.0.0.1").add_source(pact_file)
    pending = pending_interactions(pact_file)
    passed, results, output = run_verifier(verifier, provider_url=provider_url, states=states, messages=messages)
    recorded = {r["description"]: r for r in results.get("interactionResults", [])}
    interactions = [
        InteractionResult(
            d,
            recorded[d].get("result", "Failed") if d in recorded else "NotRun",
            list(recorded.get(d, {}).get("providerStates", [])),
            d in pending,
        )
        for d in descriptions
    ]
    return VerificationReport(
        consumer=consumer,
        provider=provider,
        consumer_version=pact_version(pact_file),
        pact_file=pact_file.name,
        provider_version=git_commit(),
        verified_at=datetime.now(UTC).isoformat(timespec="seconds"),
        # the verifier also reports pending failures as a failed run; only non-pending ones count here
        success=bool(interactions)
        and all(i.ok or i.pending for i in interactions)
        and (passed or any(i.pending and not i.ok for i in interactions)),
        interactions=interactions,
        output=output,
        state_errors=list(states.errors) if states is not None else [],
    )


def report_path(consumer: str, provider: str, consumer_version: str, results_dir: Path = RESULTS_DIR) -> Path:
    return results_dir / consumer / provider / f"{consumer_version}.json"


def write_report(report: VerificationReport, results_dir: Path = RESULTS_DIR) -> Path:
    path = report_path(report.consumer, report.provider, report.consumer_version, results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return path


def explain(report: VerificationReport) -> str:
    """The failure message of a provider test: what failed, the verifier's output, state errors."""
    lines = [
        f"{report.provider} does not satisfy {report.consumer}'s pact ({report.pact_file}):",
        *(f"  - {d}" for d in report.failures()),
        "",
        report.output.strip(),
    ]
    lines.extend(report.state_errors)
    return "\n".join(lines)
