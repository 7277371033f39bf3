"""Killing the app process alone while the simulators deliver: once it is started again, nothing is lost.

The simulators run as ``simulate serve`` (another process, auto delivery); the app runs under gunicorn
through ``harness.app_process``. Deliveries that reach the app while it is down wait in the listening
socket's backlog or fail and are retried on the virtual clock, as the providers retry.
"""

from __future__ import annotations

import pytest

from harness import http_clients
from harness.app_process import start_wired_app_process
from harness.processes import run_simulate, serve_simulators
from harness.waiting import wait_until

pytestmark = [pytest.mark.database, pytest.mark.slow, pytest.mark.xdist_group("app-process")]


@pytest.fixture
def simulator_url():
    child, url = serve_simulators(seed=4242)
    yield url
    assert child.interrupt() == 0


def unfinished(simulator_url: str, endpoint: str) -> list[dict]:
    answer = http_clients.get(f"{simulator_url}/_sim/pending", params={"provider": "stripe"}, timeout=30).json()
    return [d for d in answer["deliveries"] if d["endpoint"] == endpoint]


def test_killing_the_app_alone_during_deliveries_and_starting_it_again_loses_nothing(db_url, simulator_url):
    with start_wired_app_process(db_url, simulator_url, workers=2, threads=2) as app:
        endpoint = f"{app.url}/webhooks/stripe"
        for _ in range(2):
            done = run_simulate("trigger", "stripe", "charge.refunded", url=simulator_url)
            assert done.returncode == 0, done.stderr
        app.kill()  # while the events are being delivered
        app.start()

        def settled() -> bool:
            waiting = unfinished(simulator_url, endpoint)
            if any(d["status"] == "failed" for d in waiting) and not any(d["status"] == "pending" for d in waiting):
                assert run_simulate("advance", "1h", url=simulator_url).returncode == 0  # Stripe's next retry
            return not waiting

        wait_until(settled, timeout=120, what="every delivery to the app to be delivered")
        journal = http_clients.get(f"{simulator_url}/_sim/deliveries", params={"provider": "stripe"}, timeout=30)
        sent = {d["event_id"] for d in journal.json()["deliveries"] if d["endpoint"] == endpoint}
        # the app subscribes to the event types it handles: 5 of the 6 each trigger emits, twice
        assert len(sent) == 10 and all(d["status"] == "delivered" for d in journal.json()["deliveries"])
        with app.admin() as admin:
            stored = admin.get("/admin/api/webhooks", params={"provider": "stripe"}).json()["events"]
        assert {e["dedupe_key"] for e in stored} == {f"stripe:{event_id}" for event_id in sent}
