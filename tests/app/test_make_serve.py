"""``make serve`` (``harness serve``): the app and the simulators as separate processes, on a kept database.

Both tests run the real command in a child process, on free ports and a folder of their own.
"""

from __future__ import annotations

import os
import signal

import pytest

from harness import http_clients
from harness.processes import Child, spawn
from harness.waiting import wait_until
from harness.web import Visitor

pytestmark = [pytest.mark.slow, pytest.mark.calendly, pytest.mark.xdist_group("make-serve")]

STARTED = "Press Ctrl-C to stop"


def start_serve(instance) -> tuple[Child, str, str]:
    child = spawn(
        ["-m", "harness.cli", "serve", "--app-port", "0", "--simulator-port", "0", "--instance", str(instance)]
    )
    child.wait_for_line(lambda line: STARTED in line, timeout=180, what="harness serve to start")
    app_url = child.wait_for_line(lambda line: line.startswith("booking app ")).split()[2].rstrip("/")
    simulator_url = child.wait_for_line(lambda line: line.startswith("simulators ")).split()[1].rstrip("/")
    return child, app_url, simulator_url


def pid_on(child: Child, prefix: str) -> int:
    line = child.wait_for_line(lambda text: text.startswith(prefix))
    return int(line.split("(pid ")[1].split(",")[0])


def book_a_free_session(app_url: str, email: str) -> None:
    visitor = Visitor(app_url)
    try:
        visitor.open("/")
        builder = next(href for _, href in visitor.parsed.links if href.startswith("/builders/"))
        visitor.open(builder)
        session = next(href for _, href in visitor.parsed.links if href.endswith("/sessions/intro-call"))
        page = visitor.open(session)
        assert page.status_code == 200, page.text[:300]
        slot = visitor.parsed.slots[0]
        booked = visitor.submit(visitor.form("/book"), slot=slot.value, name="Grace Hopper", email=email)
        assert booked.status_code == 200, booked.text[:500]
        assert visitor.parsed.h1 == "You're booked"
    finally:
        visitor.close()


def test_make_serve_restarted_on_its_kept_database_books_again_and_either_process_can_be_killed_alone(tmp_path):
    first, app_url, _ = start_serve(tmp_path)
    try:
        book_a_free_session(app_url, "first@example.com")
    finally:
        assert first.interrupt(timeout=60) == 0, first.output()

    # the same database, new processes: the new booking must not meet an id of the first run
    second, app_url, simulator_url = start_serve(tmp_path)
    try:
        book_a_free_session(app_url, "second@example.com")

        def invitee_created_answers():
            seen = http_clients.get(f"{simulator_url}/_sim/deliveries", params={"provider": "calendly"}, timeout=10)
            return [
                (a["response_status"], a["response_body"])
                for a in seen.json()["attempts"]
                if a["event_type"] == "invitee.created"
            ]

        [(status, body)] = wait_until(invitee_created_answers, timeout=60, what="the invitee.created delivery")
        assert status == 200 and "duplicate" not in body, body
        assert "seed 20261125" in second.output()  # the next seed: no id of the first run comes back

        # the app alone: killed (master and workers), started again by make serve on the same port
        app_pid, simulators_pid = pid_on(second, "booking app "), pid_on(second, "simulators ")
        os.killpg(app_pid, signal.SIGKILL)
        second.wait_for_line(lambda line: line.startswith("the app is back at "), timeout=120, what="the app again")
        assert os.path.exists(f"/proc/{simulators_pid}") and "simulators exited" not in second.output()
        book_a_free_session(app_url, "after-app-restart@example.com")

        # the simulators alone: they come back with the next seed, and the app is wired to them again
        os.kill(simulators_pid, signal.SIGKILL)
        back = second.wait_for_line(lambda line: line.startswith("simulators back at "), timeout=180, what="simulators")
        assert "seed 20261126" in back
        book_a_free_session(app_url, "after-simulators-restart@example.com")
    finally:
        assert second.interrupt(timeout=60) == 0, second.output()
