"""Which delivery goes out next: the engine's list of jobs and its ordering and holding rules.

Rules, in one place: a job is sent when due on the virtual clock, earliest
first and then in submission order; a concurrent copy only goes out in its
original's burst; a duplicate only after its original's first attempt; a job
held for reordering waits until a later job to the same endpoint has been
tried (or a flush lets it go). Not thread-safe: the engine holds its lock.
"""

from __future__ import annotations

import heapq
import itertools

from simulators.delivery.jobs import Job

FINISHED = ("delivered", "exhausted", "dropped")


class Schedule:
    """The jobs, and a heap of the ones that may fall due, so that finding the next one does not scan them all.

    ``jobs`` keeps every job in submission order (listings, resends). The heap holds one live entry
    per job that may be sent on its own, keyed (next attempt, submission order); entries of jobs that
    moved on (sent, rescheduled, finished) are dropped when they reach the top. Held jobs wait in
    their own list, and duplicates whose original has not gone out yet in another, until released.
    """

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.in_flight = 0  # requests taken by a send loop and not yet recorded
        self._queue: list[tuple[float, int, int, Job]] = []
        self._entry: dict[Job, int] = {}  # job -> the counter of its live heap entry
        self._counter = itertools.count()
        self._held: list[Job] = []  # held for reordering, in submission order
        self._waiting: list[Job] = []  # duplicates waiting for their original's first attempt

    def add(self, job: Job) -> None:
        self.jobs.append(job)
        if job.delivery.status == "held":
            self._held.append(job)
        elif job.delivery.status in ("pending", "failed"):
            self._push(job)

    def clear(self) -> None:
        self.jobs.clear()
        self.in_flight = 0
        self._queue.clear()
        self._entry.clear()
        self._held.clear()
        self._waiting.clear()

    def _push(self, job: Job) -> None:
        counter = next(self._counter)
        self._entry[job] = counter
        heapq.heappush(self._queue, (job.delivery.next_attempt_at, job.delivery.sequence, counter, job))

    @staticmethod
    def _eligible(job: Job) -> bool:
        delivery = job.delivery
        if job.in_flight or delivery.status not in ("pending", "failed"):
            return False
        if delivery.attempts == 0 and job.leader is not None:
            return False  # goes out in its original's concurrent burst
        # a duplicate follows its original's first attempt
        return not (delivery.attempts == 0 and job.replays is not None and job.replays.delivery.attempts == 0)

    def _next(self) -> Job | None:
        """The earliest job that can go out on its own, or None (stale entries are dropped on the way)."""
        while self._queue:
            at, _, counter, job = self._queue[0]
            if self._entry.get(job) != counter or job.delivery.next_attempt_at != at or not self._eligible(job):
                heapq.heappop(self._queue)
                if self._entry.get(job) == counter:
                    del self._entry[job]
                    if self._waits_for_original(job):
                        self._waiting.append(job)
                continue
            return job
        return None

    @staticmethod
    def _waits_for_original(job: Job) -> bool:
        delivery = job.delivery
        return (
            delivery.status in ("pending", "failed")
            and not job.in_flight
            and delivery.attempts == 0
            and job.leader is None
            and job.replays is not None
            and job.replays.delivery.attempts == 0
        )

    def seconds_until_due(self, now: float) -> float | None:
        job = self._next()
        return job.delivery.next_attempt_at - now if job is not None else None

    def idle(self, now: float) -> bool:
        if self.in_flight:
            return False
        job = self._next()
        return job is None or job.delivery.next_attempt_at > now

    def take_next_batch(self, now: float) -> list[Job]:
        """The next job due (with its concurrent copies on a first attempt), marked in flight."""
        job = self._next()
        if job is None or job.delivery.next_attempt_at > now:
            return []
        heapq.heappop(self._queue)
        batch = [job]
        if job.delivery.attempts == 0:
            batch += [copy for copy in job.burst if copy.delivery.attempts == 0 and copy.delivery.status == "pending"]
        for member in batch:
            member.in_flight = True
            self._entry.pop(member, None)
        self.in_flight += len(batch)
        return batch

    def finish_batch(self, batch: list[Job], now: float) -> None:
        """After a batch is recorded: release what it was holding back, queue its retries."""
        self.in_flight -= len(batch)
        sent = batch[0]
        still_held = []
        for job in self._held:
            held = job.delivery
            if (
                held.status == "held"
                and held.provider == sent.delivery.provider
                and held.endpoint == sent.delivery.endpoint
                and held.sequence < sent.delivery.sequence
                and job.family != sent.family
            ):
                self._release(job, now)
            elif held.status == "held":
                still_held.append(job)
        self._held = still_held
        for member in batch:
            if member.delivery.status in ("pending", "failed"):
                self._push(member)
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            for job in waiting:
                if self._waits_for_original(job):
                    self._waiting.append(job)
                elif job.delivery.status in ("pending", "failed"):
                    self._push(job)

    def release_all_held(self, now: float) -> bool:
        held, self._held = [job for job in self._held if job.delivery.status == "held"], []
        for job in held:
            self._release(job, now)
        return bool(held)

    def _release(self, job: Job, now: float) -> None:
        job.delivery.status = "pending"
        job.delivery.next_attempt_at = max(job.delivery.next_attempt_at, now)
        self._push(job)
