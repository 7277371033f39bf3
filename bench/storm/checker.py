"""After the storm: was anything lost, applied twice, or let in with a bad signature? Read through the operator API.

The plan is rebuilt from its seed (the same one every worker built), and the app is asked, through
``/admin/api``, what it stored and booked. First the inbox's due retries are run "as if it were a
day later" (a reordered pair's cancel waits for its booking as a retry), as an operator's cron would.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from bench.storm.plan import Plan


@dataclass
class Verdict:
    events: int  # distinct well-signed events in the plan
    stored: int
    lost: list[str] = field(default_factory=list)
    applied_twice: list[str] = field(default_factory=list)
    bad_signatures_accepted: list[str] = field(default_factory=list)
    wrong_end_state: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.applied_twice or self.bad_signatures_accepted or self.wrong_end_state)

    def summary(self) -> str:
        return (
            f"{self.events} events: {len(self.lost)} lost, {len(self.applied_twice)} applied twice, "
            f"{len(self.bad_signatures_accepted)} bad signatures accepted, {len(self.wrong_end_state)} wrong end states"
        )


def check(plan: Plan, admin: httpx.Client, answers: list[dict]) -> Verdict:
    """``answers``: what each request got (``key``, ``kind``, ``status``), from the workers' result files."""
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for _ in range(3):  # a retried cancel may wait behind another retry
        due = admin.post("/admin/api/webhooks/process-due", json={"as_of": later})
        due.raise_for_status()
    stored = admin.get("/admin/api/webhooks").json()["events"]
    by_key = Counter(e["dedupe_key"] for e in stored)
    status_of = {e["dedupe_key"]: e for e in stored}
    bookings = admin.get("/admin/api/bookings").json()["bookings"]
    per_invitee = Counter(b["calendly_invitee_uri"] for b in bookings if b["calendly_invitee_uri"])
    status_by_invitee = {b["calendly_invitee_uri"]: b["status"] for b in bookings}

    sends = plan.sends
    good = {s.key: s for s in sends if s.kind != "bad_signature"}
    bad = {s.key: s for s in sends if s.kind == "bad_signature"}
    verdict = Verdict(events=len(good), stored=len(stored))
    for key in good:
        if key not in by_key:
            verdict.lost.append(key)
            continue
        row = status_of[key]
        if by_key[key] > 1:
            verdict.applied_twice.append(f"{key} stored {by_key[key]} times")
        if row["status"] not in ("processed", "ignored"):
            verdict.wrong_end_state.append(f"{key} ended {row['status']}: {row['last_error']}")
    for invitee, count in per_invitee.items():
        if count > 1:
            verdict.applied_twice.append(f"{invitee} booked {count} times")
    canceled_pairs = {s.invitee for s in sends if s.kind == "reordered"}
    created = {s.invitee for s in sends if s.kind in ("original", "reordered") and s.provider == "calendly"}
    for invitee in created:
        want = "canceled" if invitee in canceled_pairs else "confirmed"
        if status_by_invitee.get(invitee) != want:
            verdict.wrong_end_state.append(f"{invitee} is {status_by_invitee.get(invitee)}, expected {want}")
    for key, send in bad.items():
        if key in by_key or send.invitee in per_invitee:
            verdict.bad_signatures_accepted.append(key)
    for answer in answers:
        if answer["kind"] == "bad_signature" and not 400 <= answer["status"] < 500:
            verdict.bad_signatures_accepted.append(f"{answer['key']} answered {answer['status']}")
    return verdict
