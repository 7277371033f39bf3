"""Delivery engine: turns provider events into signed HTTP deliveries.

A provider submits an event; the engine applies the delivery plan queued for
it (payload faults, copies, holds), signs every attempt at send time, sends
over real HTTP, schedules retries on the virtual clock with the provider's
policy, and journals every request. Sending is serialised (one batch at a
time, ordered by due time then submission) so that one seed and the same calls
give the same journal; only a ``concurrent`` burst goes out in parallel.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any, Callable

from simulators.clock import VirtualClock
from simulators.delivery.jobs import Job, build_body, compact_json, request_headers
from simulators.delivery.plan import DeliveryPlan, PlanError
from simulators.delivery.plan_queue import PlanQueue
from simulators.delivery.records import UNFINISHED_STATUSES, Attempt, Delivery, Signer
from simulators.delivery.retry import RetryPolicy
from simulators.delivery.sender import Sender, SendResult
from simulators.delivery.worker import AutoDeliveryWorker

__all__ = ["Attempt", "Delivery", "DeliveryEngine", "Signer"]

ShapeVariant = Callable[[dict[str, Any]], dict[str, Any]]


class DeliveryEngine:
    def __init__(self, clock: VirtualClock, *, seed: int, auto: bool = True,
                 connect_timeout: float = 10.0, read_timeout: float = 15.0) -> None:
        self._clock = clock
        self._seed = seed
        self._ids = random.Random(seed)
        self._lock = threading.RLock()  # re-entrant: provider callbacks may call back into the engine
        self._changed = threading.Condition(self._lock)
        self._send_lock = threading.RLock()  # one send loop at a time (worker, flush or advance)
        self._plans = PlanQueue()
        self._jobs: list[Job] = []
        self._journal: list[Attempt] = []
        self._sequence = 0
        self._in_flight = 0
        self._generation = 0  # bumped by reset so late results of old sends are dropped
        self._sender = Sender(connect_timeout=connect_timeout, read_timeout=read_timeout)
        self._worker: AutoDeliveryWorker | None = None
        if auto:
            self._worker = AutoDeliveryWorker(clock=clock, wake=self._changed,
                                              seconds_until_due=self._seconds_until_due,
                                              send_due=self._send_due_locked)
            self._worker.start()

    @property
    def auto(self) -> bool:
        return self._worker is not None

    # -- plans ---------------------------------------------------------------------------

    def set_plan(self, provider: str, plan: DeliveryPlan, *, event_type: str | None = None,
                 times: int | None = 1) -> None:
        """Apply ``plan`` to the next ``times`` events of ``provider`` (optionally of one type; None = until cleared)."""
        with self._lock:
            self._plans.add(provider, plan, event_type, times)

    def clear_plans(self, provider: str | None = None) -> None:
        with self._lock:
            self._plans.clear(provider)

    def plans(self) -> list[dict[str, Any]]:
        """The plans still queued, in matching order."""
        with self._lock:
            return self._plans.snapshot()

    # -- submitting ----------------------------------------------------------------------

    def submit(self, *, provider: str, endpoint: str, event_type: str, payload: dict[str, Any],
               signer: Signer, retry: RetryPolicy, event_id: str | None = None,
               shape_variants: dict[str, ShapeVariant] | None = None,
               on_exhausted: Callable[[Delivery], None] | None = None,
               serialize: Callable[[dict[str, Any]], bytes] | None = None,
               distinct_variant: ShapeVariant | None = None,
               headers: dict[str, str] | None = None) -> list[Delivery]:
        """Queue an event for ``endpoint`` under the current plan; returns the deliveries created.

        ``serialize`` turns the (faulted) payload into the body bytes (default: compact JSON).
        ``distinct_variant`` builds the second, distinct event a ``distinct_duplicate`` plan asks for.
        ``headers`` are sent on every attempt besides Content-Type and the signature headers.
        Raises ``PlanError`` when the plan cannot be applied to this payload; the plan is then kept.
        """
        serialize = serialize or compact_json
        with self._changed:
            queued = self._plans.find(provider, event_type)
            plan = queued.plan if queued else DeliveryPlan()
            body = build_body(plan, payload, provider, shape_variants, serialize)
            distinct: tuple[bytes, str | None] | None = None
            if plan.distinct_duplicate:
                if distinct_variant is None:
                    raise PlanError(f"distinct_duplicate is not supported for {provider} events")
                variant = distinct_variant(payload)
                variant_id = variant.get("id") if isinstance(variant.get("id"), str) else event_id
                distinct = (build_body(plan, variant, provider, shape_variants, serialize), variant_id)
            if queued:
                self._plans.consume(queued)

            due = self._clock.now() + plan.delay
            status = "held" if plan.reorder else "pending"
            created: list[Job] = []

            def new_job(kind: str, job_body: bytes, job_event_id: str | None, original: Job | None) -> Job:
                self._sequence += 1
                delivery = Delivery(
                    id=self._next_id(), provider=provider, endpoint=endpoint, event_type=event_type,
                    event_id=job_event_id, body=job_body, status=status, next_attempt_at=due, plan=plan,
                    kind=kind, copy_of=original.delivery.id if original else None, sequence=self._sequence)
                job = Job(delivery=delivery, signer=signer, retry=retry, on_exhausted=on_exhausted,
                          extra_headers=dict(headers or {}), family=original.family if original else None)
                self._jobs.append(job)
                created.append(job)
                return job

            original = new_job("original", body, event_id, None)
            original.family = original.delivery.id
            for _ in range(plan.concurrent - 1):
                member = new_job("concurrent", body, event_id, original)
                member.leader = original
                original.burst.append(member)
            for _ in range(plan.duplicate):
                new_job("duplicate", body, event_id, original).replays = original
            if distinct is not None:
                twin = new_job("distinct", distinct[0], distinct[1], original)
                twin.family = twin.delivery.id  # a separate event, only about the same change
            self._changed.notify_all()
            return [dataclasses.replace(job.delivery) for job in created]

    def _next_id(self) -> str:
        return "dlv_" + format(self._ids.getrandbits(96), "024x")

    # -- sending -------------------------------------------------------------------------

    def flush(self, timeout: float = 30.0) -> list[Attempt]:
        """Send every attempt that is due now (virtual time), wait for them, return their journal rows.

        Deliveries held for reordering with nothing left to follow are released and sent last.
        """
        if not self._send_lock.acquire(timeout=timeout):
            raise TimeoutError(f"deliveries still being sent after {timeout}s")
        try:
            rows = self._send_due()
            while self._release_all_held():
                rows += self._send_due()
            return rows
        finally:
            self._send_lock.release()

    def advance(self, seconds: float) -> list[Attempt]:
        """Move the virtual clock and send whatever became due."""
        with self._send_lock:  # held across the move so the auto worker cannot take these sends
            self._clock.advance(seconds)
            return self._send_due()

    def _send_due_locked(self) -> None:
        with self._send_lock:
            self._send_due()

    def _send_due(self) -> list[Attempt]:
        rows: list[Attempt] = []
        while True:
            with self._lock:
                batch, generation = self._take_next_batch(), self._generation
            if not batch:
                return rows
            results, headers = self._send_batch(batch)
            exhausted = self._record(batch, headers, results, generation, rows)
            for job in exhausted:
                if job.on_exhausted is not None:
                    job.on_exhausted(dataclasses.replace(job.delivery))

    def _eligible(self, job: Job) -> bool:
        delivery = job.delivery
        if job.in_flight or delivery.status not in ("pending", "failed"):
            return False
        if delivery.attempts == 0 and job.leader is not None:
            return False  # goes out in its leader's concurrent burst
        if delivery.attempts == 0 and job.replays is not None and job.replays.delivery.attempts == 0:
            return False  # a duplicate follows the original's first attempt
        return True

    def _due_jobs(self, now: float) -> list[Job]:
        return [job for job in self._jobs if self._eligible(job) and job.delivery.next_attempt_at <= now]

    def _seconds_until_due(self) -> float | None:
        times = [job.delivery.next_attempt_at for job in self._jobs if self._eligible(job)]
        return min(times) - self._clock.now() if times else None

    def _take_next_batch(self) -> list[Job]:
        due = self._due_jobs(self._clock.now())
        if not due:
            return []
        job = min(due, key=lambda j: (j.delivery.next_attempt_at, j.delivery.sequence))
        batch = [job]
        if job.delivery.attempts == 0:
            batch += [member for member in job.burst if member.delivery.attempts == 0
                      and member.delivery.status == "pending"]
        for member in batch:
            member.in_flight = True
        self._in_flight += len(batch)
        return batch

    def _send_batch(self, batch: list[Job]) -> tuple[list[SendResult], dict[str, str]]:
        leader = batch[0].delivery
        try:
            headers = request_headers(batch[0], int(self._clock.real_now()))
        except Exception as exc:  # a signer bug becomes a visible failed attempt, not a stuck worker
            failure = SendResult({}, None, "", f"signing failed: {type(exc).__name__}: {exc}", 0.0)
            return [failure] * len(batch), {}
        return self._sender.send_together(leader.endpoint, headers, leader.body, len(batch)), headers

    def _record(self, batch: list[Job], headers: dict[str, str], results: list[SendResult],
                generation: int, rows: list[Attempt]) -> list[Job]:
        virtual_at = self._clock.now()
        exhausted: list[Job] = []
        with self._changed:
            if generation != self._generation:
                return []  # the engine was reset while these were in flight
            for job, result in zip(batch, results):
                exhausted += self._record_attempt(job, headers, result, virtual_at, rows)
            self._release_held_after(batch[0].delivery, virtual_at)
            self._in_flight -= len(batch)
            self._changed.notify_all()
        return exhausted

    def _record_attempt(self, job: Job, headers: dict[str, str], result: SendResult,
                        virtual_at: float, rows: list[Attempt]) -> list[Job]:
        delivery = job.delivery
        job.in_flight = False
        delivery.attempts += 1
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = virtual_at
            job.first_headers = headers
        row = Attempt(
            delivery_id=delivery.id, provider=delivery.provider, endpoint=delivery.endpoint,
            event_type=delivery.event_type, event_id=delivery.event_id, attempt_no=delivery.attempts,
            virtual_at=virtual_at, request_headers=result.request_headers,
            request_body=delivery.body.decode("utf-8", errors="replace"),
            response_status=result.status, response_body=result.body, error=result.error,
            latency_ms=round(result.latency_ms, 3), kind=delivery.kind)
        self._journal.append(row)
        rows.append(row)
        delivery.last_status, delivery.last_error = result.status, result.error
        if row.succeeded:
            delivery.status = "delivered"
            return []
        delay = job.retry.next_delay(delivery.attempts, delivery.first_attempt_at, virtual_at)
        if delay is None:
            delivery.status = "exhausted"
            return [job]
        delivery.status = "failed"
        delivery.next_attempt_at = virtual_at + delay
        return []

    def _release_held_after(self, sent: Delivery, now: float) -> None:
        """A delivery held for reordering goes out once a later one to the same endpoint has been tried."""
        sent_family = self._job_for(sent).family
        for job in self._jobs:
            held = job.delivery
            if (held.status == "held" and held.provider == sent.provider and held.endpoint == sent.endpoint
                    and held.sequence < sent.sequence and job.family != sent_family):
                held.status = "pending"
                held.next_attempt_at = max(held.next_attempt_at, now)

    def _release_all_held(self) -> bool:
        with self._changed:
            held = [job for job in self._jobs if job.delivery.status == "held"]
            now = self._clock.now()
            for job in held:
                job.delivery.status = "pending"
                job.delivery.next_attempt_at = max(job.delivery.next_attempt_at, now)
            if held:
                self._changed.notify_all()
            return bool(held)

    def _job_for(self, delivery: Delivery) -> Job:
        return next(job for job in self._jobs if job.delivery is delivery)

    # -- reading -------------------------------------------------------------------------

    def journal(self, *, provider: str | None = None, event_type: str | None = None) -> list[Attempt]:
        with self._lock:
            return [row for row in self._journal
                    if provider in (None, row.provider) and event_type in (None, row.event_type)]

    def deliveries(self, *, provider: str | None = None, status: str | None = None) -> list[Delivery]:
        with self._lock:
            return [dataclasses.replace(job.delivery) for job in self._jobs
                    if provider in (None, job.delivery.provider) and status in (None, job.delivery.status)]

    def pending(self, *, provider: str | None = None) -> list[Delivery]:
        """Deliveries not yet delivered or given up on (pending, held, or failed awaiting a retry)."""
        return [d for d in self.deliveries(provider=provider) if d.status in UNFINISHED_STATUSES]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is due or in flight (auto mode); False at the deadline."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._in_flight == 0 and not self._due_jobs(self._clock.now()), timeout)

    # -- lifecycle -----------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        with self._changed:
            if seed is not None:
                self._seed = seed
            self._generation += 1
            self._ids = random.Random(self._seed)
            self._plans.clear()
            self._jobs.clear()
            self._journal.clear()
            self._sequence = 0
            self._in_flight = 0
            self._changed.notify_all()

    def close(self) -> None:
        """Stop the auto worker and close HTTP connections."""
        if self._worker is not None:
            self._worker.stop()
        self._sender.close()
