"""The deploy gate: a pact version is deployable only when every one of its interactions is verified."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import can_i_deploy
from contracts.support.names import ROOT
from contracts.support.verification import InteractionResult, VerificationReport, write_report
from contracts.support.versions import pact_version

pytestmark = pytest.mark.contract


def write_pact(folder: Path, provider: str, descriptions: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"booking-service-{provider}.json"
    path.write_text(
        json.dumps(
            {
                "consumer": {"name": "booking-service"},
                "provider": {"name": provider},
                "interactions": [{"description": d, "type": "Synchronous/HTTP"} for d in descriptions],
                "metadata": {"pactSpecification": {"version": "4.0"}},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path


def record(results: Path, pact: Path, outcomes: dict[str, str], *, success: bool | None = None) -> None:
    data = json.loads(pact.read_text())
    write_report(
        VerificationReport(
            consumer="booking-service",
            provider=data["provider"]["name"],
            consumer_version=pact_version(pact),
            pact_file=pact.name,
            provider_version="abc123",
            verified_at="2026-01-01T00:00:00+00:00",
            success=all(r == "OK" for r in outcomes.values()) if success is None else success,
            interactions=[InteractionResult(d, r) for d, r in outcomes.items()],
        ),
        results,
    )


def gate(pacts: Path, results: Path) -> tuple[int, str]:
    rows = can_i_deploy.local_matrix(pacts, results)
    out = io.StringIO()
    can_i_deploy.print_matrix(rows, out)
    code = can_i_deploy.verdict(rows, out)
    return code, out.getvalue()


def test_every_interaction_verified_means_yes(tmp_path):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    stripe = write_pact(pacts, "stripe-api", ["create a session", "refund"])
    mail = write_pact(pacts, "sendgrid-api", ["send a mail"])
    record(results, stripe, {"create a session": "OK", "refund": "OK"})
    record(results, mail, {"send a mail": "OK"})

    code, output = gate(pacts, results)

    assert code == 0, output
    assert "can-i-deploy: yes - all 3 interactions of 2 pacts are verified" in output
    stripe_line = next(line for line in output.splitlines() if "stripe-api" in line)
    assert pact_version(stripe) in stripe_line and " yes " in stripe_line


def test_a_pact_without_verification_blocks(tmp_path):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    write_pact(pacts, "stripe-api", ["create a session"])

    code, output = gate(pacts, results)

    assert code == 1
    assert "never verified" in output and "can-i-deploy: NO" in output
    # it names the command that writes the results, and where it looked for them
    assert "`harness test contracts/provider` writes the results into" in output and str(results) in output


def test_a_changed_pact_needs_its_own_verification(tmp_path):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    pact = write_pact(pacts, "stripe-api", ["create a session"])
    record(results, pact, {"create a session": "OK"})
    old_version = pact_version(pact)
    write_pact(pacts, "stripe-api", ["create a session", "expire a session"])  # the app now expects more

    code, output = gate(pacts, results)

    assert code == 1
    assert f"last verified: {old_version}" in output


def test_a_failing_interaction_blocks_and_is_named(tmp_path):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    pact = write_pact(pacts, "calendly-webhooks", ["invitee.created", "invitee.canceled"])
    record(results, pact, {"invitee.created": "OK", "invitee.canceled": "BodyMismatch"})

    code, output = gate(pacts, results)

    assert code == 1
    assert "1 failing: invitee.canceled" in output


def test_an_interaction_missing_from_the_results_blocks(tmp_path):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    pact = write_pact(pacts, "calendly-api", ["available times", "cancel an event"])
    record(results, pact, {"available times": "OK"}, success=True)

    code, output = gate(pacts, results)

    assert code == 1
    assert "1 unverified: cancel an event" in output


def test_no_pact_files_is_not_a_yes(tmp_path):
    code, output = gate(tmp_path / "none", tmp_path / "results")

    assert code == 2
    assert "nothing to decide on" in output


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "contracts.can_i_deploy"],
        [sys.executable, "-m", "harness.cli", "can-i-deploy"],
    ],
    ids=["module", "harness"],
)
def test_the_command_exits_with_the_verdict(tmp_path, command):
    pacts, results = tmp_path / "pacts", tmp_path / "results"
    pact = write_pact(pacts, "sendgrid-api", ["send a mail"])
    args = ["--pacts", str(pacts), "--results", str(results)]

    blocked = subprocess.run([*command, *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    record(results, pact, {"send a mail": "OK"})
    allowed = subprocess.run([*command, *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "CONSUMER" in blocked.stdout and "sendgrid-api" in blocked.stdout
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_with_an_unreachable_broker_the_answer_is_no(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    answer = subprocess.run(
        [sys.executable, "-m", "contracts.can_i_deploy", "--broker-url", f"http://127.0.0.1:{port}"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert answer.returncode == 1, answer.stdout + answer.stderr
    assert "No pacts found for provider 'calendly-api'" in answer.stdout
    assert "can-i-deploy: NO" in answer.stdout
