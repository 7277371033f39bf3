"""After the storm: was anything lost, applied twice, or let in with a bad signature? Read through the operator API.

The plan is rebuilt from its seed (the same one every worker built), and the app is asked, through
``/admin/api``, what it stored and booked. First the inbox's due retries are run "as if it were a
day later" (a reordered pair's cancel waits for its booking as a retry), as an operator's cron would.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))  # run as a script too

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


def main() -> None:
    """After a distributed storm: the checker against the app, with the workers' result files gathered in a folder.

    .venv/bin/python bench/storm/checker.py --target URL --results DIR   (STORM_ADMIN_TOKEN and the
    storm's STORM_EVENTS, STORM_SEED, STORM_FIRST_START, STORM_MIX as the workers had them)
    """
    import argparse
    import json
    import os

    from bench.storm.plan import Mix, build_plan
    from harness import http_clients

    parser = argparse.ArgumentParser(description="the storm's checker, after a distributed run")
    parser.add_argument("--target", required=True)
    parser.add_argument("--results", required=True, help="the folder holding every worker-<index>.json")
    args = parser.parse_args()
    mix = Mix(*[float(x) for x in os.environ.get("STORM_MIX", "0.3,0.1,0.05").split(",")])
    plan = build_plan(
        int(os.environ["STORM_EVENTS"]),
        seed=int(os.environ.get("STORM_SEED", "13")),
        first_start=datetime.fromisoformat(os.environ["STORM_FIRST_START"]),
        mix=mix,
    )
    answers = [row for path in sorted(Path(args.results).glob("worker-*.json")) for row in json.loads(path.read_text())]
    token = os.environ["STORM_ADMIN_TOKEN"]
    with http_clients.client(base_url=args.target, timeout=120, headers={"Authorization": f"Bearer {token}"}) as admin:
        verdict = check(plan, admin, answers)
    print(f"checker: {len(answers)} answers read; {verdict.summary()}")
    raise SystemExit(0 if verdict.ok else 1)


if __name__ == "__main__":
    main()
