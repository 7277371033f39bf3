"""Locust profile of the storm: signed Calendly and Stripe webhooks to a target, each worker sending its share once.

Configured by the environment (so the same file runs local worker processes and a master with
workers on other machines unchanged):

- ``STORM_EVENTS`` (requests in the whole plan), ``STORM_SEED``, ``STORM_FIRST_START`` (ISO instant of
  the first booked time), ``STORM_MIX`` (``duplicates,reordered,bad_signatures``, default ``0.3,0.1,0.05``);
- ``STORM_WORKERS``: how many worker processes share the plan, across all machines;
- ``STORM_CALENDLY_KEY`` and ``STORM_STRIPE_SECRET``: the target's signing secrets;
- ``STORM_MODE=bare``: GET ``/healthz`` ``STORM_EVENTS`` times instead (the same server's ceiling);
- ``STORM_RESULTS``: a folder where each worker writes what it sent and got (``worker-<index>.json``).

Each worker builds the plan and takes its share once, when the test starts (never per user or per
task); users take groups off that one queue. When its queue is empty and every request has come
back, the worker writes its results and quits; the master stops when the last worker has quit.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.storm.plan import Group, Mix, Send, build_plan, sign

QUEUE: deque[Group] = deque()
RESULTS: list[dict] = []
STATE = {"index": 0, "outstanding": 0, "finished": False}


def _mix() -> Mix:
    parts = [float(x) for x in os.environ.get("STORM_MIX", "0.3,0.1,0.05").split(",")]
    return Mix(*parts)


@events.test_start.add_listener
def build_share(environment, **_kwargs) -> None:
    """Once per worker process: this worker's share of the plan (or of the bare requests)."""
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return  # the master sends nothing
    index = max(getattr(runner, "worker_index", 0), 0)
    total = int(os.environ.get("STORM_WORKERS", "1"))
    count = int(os.environ.get("STORM_EVENTS", "1000"))
    STATE["index"] = index
    QUEUE.clear()
    if os.environ.get("STORM_MODE") == "bare":
        QUEUE.extend(Group([Send("/healthz", b"", "bare", "", "bare")]) for _ in range(index, count, total))
        return
    plan = build_plan(
        count,
        seed=int(os.environ.get("STORM_SEED", "13")),
        first_start=datetime.fromisoformat(os.environ["STORM_FIRST_START"]),
        mix=_mix(),
    )
    QUEUE.extend(plan.share(index, total))


def _finish(environment) -> None:
    if STATE["finished"] or QUEUE or STATE["outstanding"]:
        return
    STATE["finished"] = True
    folder = os.environ.get("STORM_RESULTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"worker-{STATE['index']}.json").write_text(json.dumps(RESULTS))
    # From a greenlet of its own: quitting stops every user, and a user must not stop itself mid-call.
    gevent.spawn_later(0.2, environment.runner.quit)


class WebhookStorm(FastHttpUser):
    """Takes groups off the worker's queue and sends each group's requests in order."""

    def on_start(self) -> None:
        self.calendly_key = os.environ.get("STORM_CALENDLY_KEY", "")
        self.stripe_secret = os.environ.get("STORM_STRIPE_SECRET", "")

    @task
    def send_next_group(self) -> None:
        if not QUEUE:
            _finish(self.environment)
            raise StopUser()
        group = QUEUE.popleft()
        STATE["outstanding"] += 1
        try:
            for send in group.sends:
                self._send(send)
        finally:
            STATE["outstanding"] -= 1
        if not QUEUE:
            _finish(self.environment)

    def _send(self, send: Send) -> None:
        started = time.perf_counter()
        if send.kind == "bare":
            with self.client.get("/healthz", name="bare /healthz", catch_response=True) as response:
                status = response.status_code
                if status != 200:
                    response.failure(f"bare endpoint answered {status}")
        else:
            headers = sign(send, calendly_key=self.calendly_key, stripe_secret=self.stripe_secret)
            expected_refusal = send.kind == "bad_signature"
            with self.client.post(
                send.path, data=send.body, headers=headers, name=f"{send.path} {send.kind}", catch_response=True
            ) as response:
                status = response.status_code
                if expected_refusal and 400 <= status < 500:
                    response.success()
                elif expected_refusal or not 200 <= status < 300:
                    response.failure(f"{send.kind} answered {status}")
        RESULTS.append(
            {
                "key": send.key,
                "kind": send.kind,
                "status": status,
                "ms": (time.perf_counter() - started) * 1000,
                "at": time.time(),
            }
        )
