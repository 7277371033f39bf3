"""Faults survived by the app as its own process on PostgreSQL: the database cut, a kill mid-handler, a slow handler.

Each test runs ``booking-app serve`` (gunicorn) through ``harness.app_process`` against a database
of its own and lets the simulators deliver Calendly's ``invitee.created`` for bookings people make
on Calendly; the fault happens in the middle of those deliveries, the providers retry on their
schedule (the virtual clock moves them), and at the end every booking exists once and whole, the
inbox is drained and each mail went once. Locks taken from the test on the app's database are the
faults' instrument (a handler that cannot finish), never a way of reading what the app did.
"""

from __future__ import annotations

import psycopg
import pytest

from harness.app_process import start_wired_app_process
from harness.simulator import start_simulator
from harness.waiting import wait_until
from tests.faults.conftest import Marketplace, waiting_on_locks
from tests.faults.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.xdist_group("faults")]


def answered(marketplace: Marketplace, count: int) -> list[dict]:
    return wait_until(
        lambda: (rows := marketplace.attempts()) and len(rows) >= count and rows,
        timeout=60,
        what=f"{count} delivery attempt(s) of invitee.created",
    )


def test_the_database_cut_mid_deliveries_answers_5xx_and_loses_nothing_once_back(postgresql_url, simulators):
    proxy, through_proxy = TcpProxy.for_url(postgresql_url)
    with proxy, start_wired_app_process(through_proxy, simulators, workers=1, threads=4) as app:
        marketplace = Marketplace(app, simulators)
        try:
            marketplace.book_on_calendly()
            marketplace.deliver_everything()
            assert proxy.connections > 0  # the app's pool goes through the proxy

            proxy.cut()
            for _ in range(3):
                marketplace.book_on_calendly()
            during = answered(marketplace, 4)[1:]
            assert all(a["response_status"] is None or a["response_status"] >= 500 for a in during), [
                (a["response_status"], a["response_body"][:120]) for a in during
            ]
            proxy.restore()
            # nothing of the refused deliveries was written, not even part of one
            assert len(marketplace.admin_get("/admin/api/bookings")["bookings"]) == 1
            assert marketplace.admin_get("/admin/api/stats")["slot_claims"] == 2

            marketplace.deliver_everything()
            assert len(marketplace.attempts()) > 4  # the three came again on the provider's retry schedule
            marketplace.assert_each_booked_once_with_its_mails()
        finally:
            marketplace.close()


def test_the_app_killed_between_storing_an_event_and_finishing_its_handler_ends_right_after_restart(
    postgresql_url, simulators
):
    with start_wired_app_process(postgresql_url, simulators, workers=1, threads=4) as app:
        marketplace = Marketplace(app, simulators)
        try:
            marketplace.book_on_calendly()
            marketplace.deliver_everything()
            with psycopg.connect(postgresql_url, connect_timeout=5) as blocker:
                blocker.execute("LOCK TABLE bookings IN EXCLUSIVE MODE")  # the handler's booking insert waits here
                marketplace.book_on_calendly()
                wait_until(lambda: waiting_on_locks(postgresql_url) >= 1, timeout=30, what="the handler to block")
                events = marketplace.admin_get("/admin/api/webhooks", event_type="invitee.created")["events"]
                assert len(events) == 1  # the second is stored in the handler's open transaction only
                app.kill()
                blocker.rollback()
            app.start()
            marketplace.deliver_everything()
            with app.admin() as admin:
                assert admin.post("/admin/api/webhooks/process-due", json={}).status_code == 200
            assert any(a["error"] for a in marketplace.attempts()), "the killed attempt should have failed"
            marketplace.assert_each_booked_once_with_its_mails()
        finally:
            marketplace.close()


def test_a_handler_slower_than_the_providers_timeout_is_retried_while_it_runs_and_applied_once(postgresql_url):
    slow_provider = start_simulator(seed=1313, read_timeout=3.0)
    try:
        with start_wired_app_process(postgresql_url, slow_provider, workers=1, threads=4) as app:
            marketplace = Marketplace(app, slow_provider)
            try:
                with psycopg.connect(postgresql_url, connect_timeout=5) as blocker:
                    blocker.execute("LOCK TABLE bookings IN EXCLUSIVE MODE")
                    marketplace.book_on_calendly()
                    first = answered(marketplace, 1)[0]
                    assert first["response_status"] is None and "Timeout" in first["error"], first
                    marketplace.calendly.advance(3600)  # the retry falls due while the first attempt still runs
                    # both attempts wait: the first on the lock, the retry on the first one's dedupe key
                    wait_until(lambda: waiting_on_locks(postgresql_url) >= 2, timeout=30, what="the retry to arrive")
                    blocker.rollback()
                marketplace.deliver_everything()
                assert len(marketplace.attempts()) >= 2
                marketplace.assert_each_booked_once_with_its_mails()
            finally:
                marketplace.close()
    finally:
        slow_provider.stop()
