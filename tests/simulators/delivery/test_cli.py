"""The ``simulate`` CLI: client commands against a live simulator, ``serve`` as a real process, provider hooks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import simulators
from harness import http_clients
from simulators.cli import main

pytestmark = [pytest.mark.webhook]


@pytest.fixture
def simulate(simulator, capsys):
    """Run ``simulate <args> --url <simulator>`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str):
        code = main([*args, "--url", simulator.url])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def emit(simulator, receiver, signer):
    def emit_event(event_type="invitee.created"):
        from simulators.delivery import CALENDLY

        return simulator.hub.engine.submit(
            provider="calendly",
            endpoint=f"{receiver.url}/hooks",
            event_type=event_type,
            payload={"event": event_type},
            signer=signer,
            retry=CALENDLY,
        )

    return emit_event


def test_plan_then_flush_then_journal(simulate, emit, receiver):
    code, out, _ = simulate("plan", "--provider", "calendly", "--times", "1", '{"duplicate": 1}')
    assert code == 0 and 'planned for calendly (any event, next 1): {"duplicate": 1}' in out
    emit()
    code, out, _ = simulate("flush")
    assert code == 0 and out.count("invitee.created") == 2
    assert len(receiver.wait_for(2)) == 2
    code, out, _ = simulate("journal", "--json")
    assert [a["kind"] for a in json.loads(out)["attempts"]] == ["original", "duplicate"]


def test_advance_reads_durations_and_sends_due_retries(simulate, emit, receiver, simulator):
    receiver.respond_with(500)
    emit()
    simulate("flush")
    code, out, _ = simulate("pending")
    assert code == 0 and "failed" in out and "attempts=1" in out
    code, out, _ = simulate("advance", "90m")
    assert code == 0 and "virtual clock +5400s" in out and "#2" in out
    assert simulator.hub.clock.offset == 5400
    assert simulate("pending")[1].strip() == "nothing pending"


def test_plans_clear_plans_and_reset(simulate, simulator):
    simulate(
        "plan", "--provider", "calendly", "--event-type", "invitee.canceled", "--until-cleared", '{"reorder": true}'
    )
    code, out, _ = simulate("plans")
    assert "invitee.canceled" in out and "times=None" in out and '"reorder": true' in out
    simulate("clear-plans", "--provider", "calendly")
    assert simulate("plans")[1].strip() == "no plans queued"
    code, out, _ = simulate("reset", "--seed", "42")
    assert code == 0 and "seed 42" in out and simulator.hub.seed == 42


def test_errors_from_the_control_api_exit_non_zero_with_the_reason(simulate):
    code, out, err = simulate("plan", "--provider", "calendly", '{"duplicat": 1}')
    assert code == 1 and out == "" and "unknown delivery plan keys: duplicat" in err
    code, _, err = simulate("plan", "--provider", "calendly", "{not json")
    assert code == 1 and "not valid JSON" in err
    code, _, err = simulate("journal", "--status", "lost")
    assert code == 1 and "unknown status 'lost'" in err


def test_a_bad_duration_is_a_usage_error(simulate):
    with pytest.raises(SystemExit) as exit_info:
        simulate("advance", "2 fortnights")
    assert exit_info.value.code == 2


def test_an_unreachable_simulator_is_reported(capsys):
    assert main(["flush", "--url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach the simulator at http://127.0.0.1:9" in capsys.readouterr().err


def test_the_url_defaults_to_the_environment(monkeypatch, simulator, capsys):
    monkeypatch.setenv("SIMULATOR_URL", simulator.url)
    assert main(["pending"]) == 0
    assert capsys.readouterr().out.strip() == "nothing pending"


def test_a_provider_package_can_add_its_own_commands(tmp_path, monkeypatch, capsys):
    package = tmp_path / "fakeprovider"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text(
        textwrap.dedent("""
        def register(subparsers):
            parser = subparsers.add_parser("fake-hello")
            parser.add_argument("name")
            parser.set_defaults(handler=lambda args: print(f"hello {args.name}") or 0)
    """)
    )
    monkeypatch.setattr(simulators, "__path__", [*simulators.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "simulators.fakeprovider", raising=False)
    monkeypatch.delitem(sys.modules, "simulators.fakeprovider.cli", raising=False)
    try:
        assert main(["fake-hello", "Ada"]) == 0
    finally:
        sys.modules.pop("simulators.fakeprovider.cli", None)
        sys.modules.pop("simulators.fakeprovider", None)
    assert capsys.readouterr().out.strip() == "hello Ada"


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_runs_a_reachable_server_until_interrupted(stop):
    process = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "simulators.cli",
            "serve",
            "--port",
            "0",
            "--seed",
            "7",
            "--manual",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        banner = process.stdout.readline()
        assert banner.startswith("Simulators at http://127.0.0.1:") and "seed 7" in banner and "manual" in banner
        base = banner.split()[2]
        mounts = []
        while not (line := process.stdout.readline()).startswith("Ctrl-C"):
            mounts.append(line.strip())
        assert f"{base}/_sim" in mounts
        health = http_clients.get(f"{base}/_sim/health", timeout=10).json()
        assert health["seed"] == 7 and health["auto_deliver"] is False
        process.send_signal(stop)
        try:
            code = process.wait(timeout=60)  # a deadline for a stuck process, not a speed check
        except subprocess.TimeoutExpired:
            with open(f"/proc/{process.pid}/status") as status:
                masks = [line.strip() for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]
            process.send_signal(signal.SIGABRT)  # faulthandler prints where every thread is
            stderr = process.communicate(timeout=30)[1]
            pytest.fail(f"simulate serve did not stop on {stop.name} ({masks}); its threads:\n{stderr[-6000:]}")
        assert code == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
