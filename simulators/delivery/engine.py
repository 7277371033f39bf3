"""Delivery engine: turns provider events into signed HTTP deliveries.

A provider submits an event; the engine applies the delivery plan queued for
it (payload faults, copies, holds), signs every attempt at send time, sends
over real HTTP, schedules retries on the virtual clock with the provider's
policy, and journals every request. Sending is serialised (one batch at a
time, ordered by due time then submission) so that one seed and the same calls
give the same journal; only a ``concurrent`` burst goes out in parallel.

Provider callbacks (serialise, shape variants, distinct variant, on_exhausted)
are always called without the engine's state lock held, so a provider may take
its own lock inside them and call the engine from under it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from simulators.clock import VirtualClock
from simulators.delivery.jobs import Job, build_body, compact_json, request_headers
from simulators.delivery.plan import DeliveryPlan, PlanError
from simulators.delivery.plan_queue import PlanQueue, QueuedPlan
from simulators.delivery.records import UNFINISHED_STATUSES, Attempt, Delivery, Signer
from simulators.delivery.retry import RetryPolicy
from simulators.delivery.schedule import Schedule
from simulators.delivery.sender import Sender, SendResult
from simulators.delivery.worker import AutoDeliveryWorker

__all__ = ["Attempt", "Delivery", "DeliveryEngine", "Signer"]

ShapeVariant = Callable[[dict[str, Any]], dict[str, Any]]


class DeliveryEngine:
    def __init__(
        self,
        clock: VirtualClock,
        *,
        seed: int,
        auto: bool = True,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
    ) -> None:
        self._clock = clock
        self._seed = seed
        self._ids = random.Random(seed)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._send_lock = threading.RLock()  # one send loop at a time (worker, flush or advance)
        self._plans = PlanQueue()
        self._schedule = Schedule()
        self._journal: list[Attempt] = []
        self._sequence = 0
        self._generation = 0  # bumped by reset so late results of old sends are dropped
        self._sender = Sender(connect_timeout=connect_timeout, read_timeout=read_timeout)
        self._worker: AutoDeliveryWorker | None = None
        if auto:
            self._worker = AutoDeliveryWorker(clock=clock, wake=self._changed, owner=self)
            self._worker.start()
            # An engine nobody holds any more stops its threads (tests build many simulators).
            weakref.finalize(self, self._worker.stop, join=False)

    @property
    def auto(self) -> bool:
        return self._worker is not None

    # -- plans ---------------------------------------------------------------------------

    def set_plan(
        self, provider: str, plan: DeliveryPlan, *, event_type: str | None = None, times: int | None = 1
    ) -> None:
        """Apply ``plan`` to the next ``times`` events of ``provider`` (optionally of one type; None: until cleared)."""
        with self._lock:
            self._plans.add(provider, plan, event_type, times)

    @contextlib.contextmanager
    def plan_applied(self, provider: str, plan: DeliveryPlan, *, event_type: str | None = None) -> Iterator[None]:
        """``plan`` applies, ahead of any queued plan, to every matching event submitted inside the block."""
        with self._lock:
            queued = self._plans.add(provider, plan, event_type, None, first=True)
        try:
            yield
        finally:
            with self._lock:
                self._plans.discard(queued)

    def clear_plans(self, provider: str | None = None) -> None:
        with self._lock:
            self._plans.clear(provider)

    def plans(self) -> list[dict[str, Any]]:
        """The plans still queued, in matching order."""
        with self._lock:
            return self._plans.snapshot()

    # -- submitting ----------------------------------------------------------------------

    def submit(
        self,
        *,
        provider: str,
        endpoint: str,
        event_type: str,
        payload: dict[str, Any],
        signer: Signer,
        retry: RetryPolicy,
        event_id: str | None = None,
        shape_variants: Mapping[str, ShapeVariant] | None = None,
        on_exhausted: Callable[[Delivery], None] | None = None,
        serialize: Callable[[dict[str, Any]], bytes] | None = None,
        distinct_variant: ShapeVariant | None = None,
        headers: dict[str, str] | None = None,
        kind: str = "original",
    ) -> list[Delivery]:
        """Queue an event for ``endpoint`` under the current plan; returns the deliveries created.

        ``serialize`` turns the (faulted) payload into the body bytes (default: compact JSON).
        ``distinct_variant`` builds the second, distinct event a ``distinct_duplicate`` plan asks for.
        ``headers`` are sent on every attempt besides Content-Type and the signature headers.
        ``kind`` names the first delivery in the journal ("resend" for a delivery sent again on request).
        Raises ``PlanError`` when the plan cannot be applied to this payload; the plan is then kept.
        """
        serialize = serialize or compact_json
        submission = {
            "provider": provider,
            "endpoint": endpoint,
            "event_type": event_type,
            "payload": payload,
            "signer": signer,
            "retry": retry,
            "event_id": event_id,
            "shape_variants": shape_variants,
            "on_exhausted": on_exhausted,
            "serialize": serialize,
            "distinct_variant": distinct_variant,
            "headers": headers,
        }
        while True:
            with self._lock:
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
            with self._changed:
                if self._plans.find(provider, event_type) is not queued:
                    continue  # the plans changed while the body was built: build it again
                if queued:
                    self._plans.consume(queued)
                created = self._enqueue(
                    queued,
                    plan,
                    body,
                    distinct,
                    provider=provider,
                    endpoint=endpoint,
                    event_type=event_type,
                    event_id=event_id,
                    signer=signer,
                    retry=retry,
                    on_exhausted=on_exhausted,
                    headers=dict(headers or {}),
                    kind=kind,
                    submission=submission,
                )
                self._changed.notify_all()
                return [dataclasses.replace(job.delivery) for job in created]

    def _enqueue(
        self,
        queued: QueuedPlan | None,
        plan: DeliveryPlan,
        body: bytes,
        distinct: tuple[bytes, str | None] | None,
        *,
        provider: str,
        endpoint: str,
        event_type: str,
        event_id: str | None,
        signer: Signer,
        retry: RetryPolicy,
        on_exhausted: Callable[[Delivery], None] | None,
        headers: dict[str, str],
        kind: str,
        submission: dict[str, Any],
    ) -> list[Job]:
        """Create the original and every copy the plan asks for (lock held)."""
        due = self._clock.now() + plan.delay
        status = "dropped" if plan.drop else "held" if plan.reorder else "pending"
        created: list[Job] = []

        def new_job(kind: str, job_body: bytes, job_event_id: str | None, original: Job | None) -> Job:
            self._sequence += 1
            delivery_id = "dlv_" + format(self._ids.getrandbits(96), "024x")
            delivery = Delivery(
                id=delivery_id,
                provider=provider,
                endpoint=endpoint,
                event_type=event_type,
                event_id=job_event_id,
                body=job_body,
                status=status,
                next_attempt_at=due,
                plan=plan,
                kind=kind,
                copy_of=original.delivery.id if original else None,
                sequence=self._sequence,
            )
            job = Job(
                delivery=delivery,
                signer=signer,
                retry=retry,
                on_exhausted=on_exhausted,
                extra_headers=headers,
                family=original.family if original else delivery_id,
                submission=submission,
            )
            self._schedule.add(job)
            created.append(job)
            return job

        original = new_job(kind, body, event_id, None)
        if plan.drop:
            return created  # a lost event has no copies either
        for _ in range(plan.concurrent - 1):
            copy = new_job("concurrent", body, event_id, original)
            copy.leader = original
            original.burst.append(copy)
        for _ in range(plan.duplicate):
            new_job("duplicate", body, event_id, original).replays = original
        if distinct is not None:
            twin = new_job("distinct", distinct[0], distinct[1], original)
            twin.family = twin.delivery.id  # a separate event, only about the same change
        return created

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
        """Move the virtual clock and send whatever became due (held deliveries stay held)."""
        with self._send_lock:  # held across the move so the auto worker cannot take these sends
            self._clock.advance(seconds)
            return self._send_due()

    def send_due(self) -> list[Attempt]:
        """Send what is due now without releasing held deliveries (the auto worker's step)."""
        with self._send_lock:
            return self._send_due()

    def seconds_until_due(self) -> float | None:
        """Virtual seconds until the next delivery falls due (<= 0: due now; None: nothing scheduled)."""
        with self._lock:
            return self._schedule.seconds_until_due(self._clock.now())

    def _send_due(self) -> list[Attempt]:
        rows: list[Attempt] = []
        while True:
            with self._lock:
                batch = self._schedule.take_next_batch(self._clock.now())
                generation = self._generation
            if not batch:
                return rows
            started_at = self._clock.now()
            results, headers = self._send_batch(batch)
            for job in self._record(batch, headers, results, generation, started_at, rows):
                if job.on_exhausted is not None:
                    job.on_exhausted(dataclasses.replace(job.delivery))

    def _send_batch(self, batch: list[Job]) -> tuple[list[SendResult], dict[str, str]]:
        leader = batch[0].delivery
        try:
            headers = request_headers(batch[0], int(self._clock.real_now()))
        except Exception as exc:  # noqa: BLE001 (a signer bug becomes a visible failed attempt, not a stuck worker)
            failure = SendResult({}, None, "", f"signing failed: {type(exc).__name__}: {exc}", 0.0)
            return [failure] * len(batch), {}
        return self._sender.send_together(leader.endpoint, headers, leader.body, len(batch)), headers

    def _record(
        self,
        batch: list[Job],
        headers: dict[str, str],
        results: list[SendResult],
        generation: int,
        virtual_at: float,
        rows: list[Attempt],
    ) -> list[Job]:
        """Journal a batch sent at ``virtual_at``, schedule retries; returns the jobs that ran out of retries."""
        with self._changed:
            if generation != self._generation:
                return []  # the engine was reset while these were in flight
            exhausted = [
                job
                for job, result in zip(batch, results, strict=False)
                if self._record_attempt(job, headers, result, virtual_at, rows)
            ]
            self._schedule.finish_batch(batch, self._clock.now())
            self._changed.notify_all()
            return exhausted

    def _record_attempt(
        self, job: Job, headers: dict[str, str], result: SendResult, virtual_at: float, rows: list[Attempt]
    ) -> bool:
        """Journal one attempt and move its delivery on; True when it is now exhausted."""
        delivery = job.delivery
        job.in_flight = False
        delivery.attempts += 1
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = virtual_at
            job.first_headers = headers
        row = Attempt(
            delivery_id=delivery.id,
            provider=delivery.provider,
            endpoint=delivery.endpoint,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            attempt_no=delivery.attempts,
            virtual_at=virtual_at,
            request_headers=result.request_headers,
            request_body=delivery.body.decode("utf-8", errors="replace"),
            response_status=result.status,
            response_body=result.body,
            error=result.error,
            latency_ms=round(result.latency_ms, 3),
            kind=delivery.kind,
        )
        self._journal.append(row)
        rows.append(row)
        delivery.last_status, delivery.last_error = result.status, result.error
        if row.succeeded:
            delivery.status = "delivered"
            return False
        delay = job.retry.next_delay(delivery.attempts, delivery.first_attempt_at, virtual_at)
        if delay is None:
            delivery.status = "exhausted"
            return True
        delivery.status = "failed"
        delivery.next_attempt_at = virtual_at + delay
        return False

    def _release_all_held(self) -> bool:
        with self._changed:
            released = self._schedule.release_all_held(self._clock.now())
            if released:
                self._changed.notify_all()
            return released

    # -- reading -------------------------------------------------------------------------

    def resend(self, ref: str, *, to: str | None = None) -> list[Delivery]:
        """Send a delivery's event again (found by delivery id, or the latest delivery of an event id), signed
        afresh as the provider would, to its endpoint or ``to``; queued plans apply as to any event."""
        with self._lock:
            found = [job for job in self._schedule.jobs if ref in (job.delivery.id, job.delivery.event_id)]
        if not found:
            raise KeyError(ref)
        job = next((j for j in found if j.delivery.id == ref), found[-1])
        submission = dict(job.submission)
        if to is not None:
            submission["endpoint"] = to
        return self.submit(**submission, kind="resend")

    def journal_since(self, after: int, timeout: float = 0.0) -> tuple[list[Attempt], int]:
        """Journal rows after the first ``after`` ones, waiting up to ``timeout`` for one; and the new count.

        A count larger than the journal (it was reset meanwhile) starts again from the beginning."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._journal) != after, timeout)
            start = after if after <= len(self._journal) else 0
            return list(self._journal[start:]), len(self._journal)

    def journal(self, *, provider: str | None = None, event_type: str | None = None) -> list[Attempt]:
        with self._lock:
            return [
                row
                for row in self._journal
                if provider in (None, row.provider) and event_type in (None, row.event_type)
            ]

    def deliveries(self, *, provider: str | None = None, status: str | None = None, after: int = 0) -> list[Delivery]:
        """Snapshots of every delivery (optionally of one provider / in one status / submitted after the
        delivery numbered ``after``), in submission order."""
        with self._lock:
            return [
                dataclasses.replace(job.delivery)
                for job in self._schedule.jobs
                if provider in (None, job.delivery.provider)
                and status in (None, job.delivery.status)
                and job.delivery.sequence > after
            ]

    @property
    def last_sequence(self) -> int:
        """The submission number of the latest delivery (0: none since the last reset)."""
        with self._lock:
            return self._sequence

    def pending(self, *, provider: str | None = None) -> list[Delivery]:
        """Deliveries not yet delivered or given up on (pending, held, or failed awaiting a retry)."""
        return [d for d in self.deliveries(provider=provider) if d.status in UNFINISHED_STATUSES]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is due or in flight (auto mode); False at the deadline."""
        with self._changed:
            return self._changed.wait_for(lambda: self._schedule.idle(self._clock.now()), timeout)

    # -- lifecycle -----------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Forget deliveries, journal and plans; restart delivery ids from the seed (a new one if given)."""
        with self._changed:
            if seed is not None:
                self._seed = seed
            self._generation += 1
            self._ids = random.Random(self._seed)
            self._plans.clear()
            self._schedule.clear()
            self._journal.clear()
            self._sequence = 0
            self._changed.notify_all()

    def close(self) -> None:
        """Stop the auto worker and close HTTP connections."""
        if self._worker is not None:
            self._worker.stop()
        self._sender.close()
