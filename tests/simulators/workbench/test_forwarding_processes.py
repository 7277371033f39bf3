"""The workbench as a developer uses it: ``simulate serve``, a receiver of their own, and CLI commands, each a process.

The receiver verifies Stripe signatures with ``stripe.Webhook.construct_event``, Calendly's with its own
HMAC check and SendGrid's with the sendgrid library, and answers 400 to anything it cannot verify.
"""

from __future__ import annotations

import json

import pytest

from harness import http_clients
from harness.processes import Child, run_simulate, spawn
from harness.waiting import wait_until

pytestmark = [pytest.mark.webhook, pytest.mark.slow, pytest.mark.xdist_group("workbench-processes")]

SECRET = "whsec_workbench_receiver_secret"


@pytest.fixture(scope="module")
def simulator_process():
    child = spawn(["-m", "simulators.cli", "serve", "--port", "0", "--seed", "31"])
    banner = child.wait_for_line(lambda line: line.startswith("Simulators at "), what="the simulator's banner")
    child.url = banner.split()[2]
    yield child
    assert child.interrupt() == 0


@pytest.fixture(scope="module")
def receiver_process():
    child = spawn(["-m", "harness.verifying_receiver", "--secret", SECRET])
    child.url = child.wait_for_line(lambda line: line.startswith("receiver at "), what="the receiver").split()[2]
    yield child
    child.stop()


@pytest.fixture(autouse=True)
def clean_slate(simulator_process, receiver_process):
    """Both processes are shared by this module's tests (starting them is most of a test's time): each test
    begins with a reset simulator and a receiver that has seen nothing."""
    http_clients.post(f"{simulator_process.url}/_sim/reset", json={}, timeout=30).raise_for_status()
    http_clients.post(f"{receiver_process.url}/_reset", timeout=30).raise_for_status()


def received(receiver: Child) -> list[dict]:
    return http_clients.get(f"{receiver.url}/_received", timeout=10).json()


def simulate(simulator: Child, *args: str) -> str:
    done = run_simulate(*args, url=simulator.url)
    assert done.returncode == 0, done.stderr
    assert f"simulator: {simulator.url} (from $SIMULATOR_URL)" in done.stderr
    return done.stdout


def test_listen_then_a_stripe_trigger_with_a_duplicate_plan_gives_two_identical_verified_deliveries(
    simulator_process, receiver_process
):
    target = f"{receiver_process.url}/stripe"
    listen = spawn(
        ["-m", "simulators.cli", "listen", "--forward-to", target, "--provider", "stripe", "--secret", SECRET],
        env={"SIMULATOR_URL": simulator_process.url},
    )
    try:
        listen.wait_for_line(lambda line: line.startswith("Ready."), what="listen to be ready")
        assert f"signing secret: {SECRET}" in listen.output()
        out = simulate(
            simulator_process, "trigger", "stripe", "checkout.session.completed", "--plan", '{"duplicate": 1}'
        )
        assert out.startswith("triggered stripe checkout.session.completed: ")

        def completed():
            rows = [r for r in received(receiver_process) if '"checkout.session.completed"' in r["body"]]
            return rows if len(rows) >= 2 else None

        copies = wait_until(completed, timeout=60, what="two checkout.session.completed deliveries")
        assert len(copies) == 2 and all(r["verified"] for r in copies)
        assert copies[0]["body"] == copies[1]["body"]
        assert copies[0]["headers"]["Stripe-Signature"] == copies[1]["headers"]["Stripe-Signature"]
        event_id = json.loads(copies[0]["body"])["id"]

        def lines() -> list[str]:
            return [line for line in listen.lines if "checkout.session.completed" in line and event_id in line]

        wait_until(lambda: len(lines()) == 2, timeout=60, what="listen to print both deliveries")
        assert all(" 200 " in line for line in lines()) and "(duplicate)" in lines()[1]
    finally:
        assert listen.interrupt() == 0
    assert all(r["verified"] for r in received(receiver_process))  # payment_intent.*, charge.* too


@pytest.mark.parametrize(
    ("provider", "trigger", "kind_in_body"),
    [("calendly", "invitee.canceled", '"event":"invitee.canceled"'), ("sendgrid", "bounce", '"event":"bounce"')],
)
def test_listen_then_a_trigger_with_a_duplicate_plan_gives_two_identical_verified_deliveries(
    simulator_process, receiver_process, provider, trigger, kind_in_body
):
    target = f"{receiver_process.url}/{provider}"
    out = simulate(
        simulator_process, "listen", "--forward-to", target, "--provider", provider, "--secret", SECRET, "--no-follow"
    )
    if provider == "sendgrid":
        key = out.split("verification key: ")[1].split()[0]
        http_clients.post(f"{receiver_process.url}/_config", json={"sendgrid_public_key": key}, timeout=10)
    else:
        assert f"signing key: {SECRET}" in out
    simulate(simulator_process, "trigger", provider, trigger, "--plan", '{"duplicate": 1}')

    def copies():
        rows = [r for r in received(receiver_process) if r["provider"] == provider and kind_in_body in r["body"]]
        return rows if len(rows) >= 2 else None

    rows = wait_until(copies, timeout=60, what=f"two {trigger} deliveries")
    assert len(rows) == 2 and all(r["verified"] for r in rows)
    assert rows[0]["body"] == rows[1]["body"]
    assert all(r["verified"] for r in received(receiver_process))


def test_the_readme_reproduction_duplicate_then_out_of_order_with_charge_refunded(simulator_process, receiver_process):
    """README: "Stripe sends checkout.session.completed twice, then out of order with charge.refunded"."""
    events = "checkout.session.completed,charge.refunded"
    target = f"{receiver_process.url}/stripe"
    listen = spawn(
        ["-m", "simulators.cli", "listen", "--forward-to", target, "--secret", SECRET, "--events", events],
        env={"SIMULATOR_URL": simulator_process.url},
    )
    try:
        listen.wait_for_line(lambda line: line.startswith("Ready."), what="listen to be ready")
        out = simulate(
            simulator_process,
            "trigger",
            "stripe",
            "checkout.session.completed",
            "--plan",
            '{"duplicate": 1, "reorder": true}',
        )
        session = next(word.split("=")[1].rstrip(",") for word in out.split() if word.startswith("checkout_session="))
        assert simulate(simulator_process, "stripe", "refund", session).startswith("refund re_")

        def three():
            rows = [r for r in received(receiver_process) if r["provider"] == "stripe"]
            return rows if len(rows) >= 3 else None

        rows = wait_until(three, timeout=60, what="the refund and both completions")
        assert [r["detail"] for r in rows] == [
            "charge.refunded",
            "checkout.session.completed",
            "checkout.session.completed",
        ]
        assert all(r["verified"] for r in rows) and rows[1]["body"] == rows[2]["body"]
        wait_until(lambda: listen.output().count(" 200 ") >= 3, timeout=60, what="listen to print three lines")
    finally:
        assert listen.interrupt() == 0
