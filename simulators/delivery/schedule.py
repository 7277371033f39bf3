"""Which delivery goes out next: the engine's list of jobs and its ordering and holding rules.

Rules, in one place: a job is sent when due on the virtual clock, earliest
first and then in submission order; a concurrent copy only goes out in its
original's burst; a duplicate only after its original's first attempt; a job
held for reordering waits until a later job to the same endpoint has been
tried (or a flush lets it go). Not thread-safe: the engine holds its lock.
"""

from __future__ import annotations

from simulators.delivery.jobs import Job


class Schedule:
    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.in_flight = 0  # requests taken by a send loop and not yet recorded

    def clear(self) -> None:
        self.jobs.clear()
        self.in_flight = 0

    @staticmethod
    def _eligible(job: Job) -> bool:
        delivery = job.delivery
        if job.in_flight or delivery.status not in ("pending", "failed"):
            return False
        if delivery.attempts == 0 and job.leader is not None:
            return False  # goes out in its original's concurrent burst
        # a duplicate follows its original's first attempt
        return not (delivery.attempts == 0 and job.replays is not None and job.replays.delivery.attempts == 0)

    def due(self, now: float) -> list[Job]:
        return [job for job in self.jobs if self._eligible(job) and job.delivery.next_attempt_at <= now]

    def seconds_until_due(self, now: float) -> float | None:
        times = [job.delivery.next_attempt_at for job in self.jobs if self._eligible(job)]
        return min(times) - now if times else None

    def idle(self, now: float) -> bool:
        return self.in_flight == 0 and not self.due(now)

    def take_next_batch(self, now: float) -> list[Job]:
        """The next job due (with its concurrent copies on a first attempt), marked in flight."""
        due = self.due(now)
        if not due:
            return []
        job = min(due, key=lambda j: (j.delivery.next_attempt_at, j.delivery.sequence))
        batch = [job]
        if job.delivery.attempts == 0:
            batch += [copy for copy in job.burst if copy.delivery.attempts == 0 and copy.delivery.status == "pending"]
        for member in batch:
            member.in_flight = True
        self.in_flight += len(batch)
        return batch

    def finish_batch(self, batch: list[Job], now: float) -> None:
        """After a batch is recorded: release what it was holding back."""
        self.in_flight -= len(batch)
        sent = batch[0]
        for job in self.jobs:
            held = job.delivery
            if (
                held.status == "held"
                and held.provider == sent.delivery.provider
                and held.endpoint == sent.delivery.endpoint
                and held.sequence < sent.delivery.sequence
                and job.family != sent.family
            ):
                self._release(job, now)

    def release_all_held(self, now: float) -> bool:
        held = [job for job in self.jobs if job.delivery.status == "held"]
        for job in held:
            self._release(job, now)
        return bool(held)

    @staticmethod
    def _release(job: Job, now: float) -> None:
        job.delivery.status = "pending"
        job.delivery.next_attempt_at = max(job.delivery.next_attempt_at, now)
