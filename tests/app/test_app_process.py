"""The app as its own process under gunicorn (``harness.app_process``): wired, crashed, restarted.

The fault, storm and deployed-target tests build on this launcher, so its promises are checked
here: the process is configured only by its environment, a kill takes every worker down at once,
and a restart comes back on the same port with nothing the app had acknowledged lost.
"""

from __future__ import annotations

import signal

import pytest

from harness import http_clients
from harness.app_process import live_processes_in_group, start_wired_app_process
from tests.app.signed_stripe_events import signed_stripe_event

pytestmark = [pytest.mark.database, pytest.mark.xdist_group("app-process")]


def test_a_wired_app_process_survives_a_kill_and_keeps_what_it_acknowledged(db_url: str, simulators) -> None:
    with start_wired_app_process(db_url, simulators, workers=2, threads=2) as app:
        assert app.env["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
        endpoints = http_clients.get(
            f"{simulators.url}/stripe/v1/webhook_endpoints",
            headers={"Authorization": f"Bearer {app.env['STRIPE_SECRET_KEY']}"},
            timeout=30,
        ).json()
        assert [e["url"] for e in endpoints["data"]] == [f"{app.url}/webhooks/stripe"]

        body, header = signed_stripe_event(app.env["STRIPE_WEBHOOK_SECRET"], "evt_launcher_1")
        answer = http_clients.post(
            f"{app.url}/webhooks/stripe",
            content=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text

        pgid, url_before = app.process.pid, app.url
        app.kill()
        assert live_processes_in_group(pgid) == [], "a worker outlived the killed master"
        app.start()
        assert app.process.pid != pgid
        assert http_clients.get(f"{url_before}/readyz", timeout=10).status_code == 200
        with app.admin() as admin:
            stored = admin.get("/admin/api/webhooks", params={"provider": "stripe"}).json()
        assert [e["dedupe_key"] for e in stored["events"]] == ["stripe:evt_launcher_1"], stored


def test_a_stopped_app_finishes_and_exits_on_sigterm(db_url: str, simulators) -> None:
    with start_wired_app_process(db_url, simulators, workers=1, threads=1) as app:
        process = app.process
        app.stop()
        assert process.returncode in (0, -signal.SIGTERM), app.log_tail()
        assert not app.running()
