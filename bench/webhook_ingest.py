"""Calendly webhook ingestion throughput: the full path against a bare endpoint on the same server.

    .venv/bin/python bench/webhook_ingest.py [--db sqlite,postgresql] [--events 500] [--rounds 3]
                                             [--threads 8] [--case confirm,link]
                                             [--server gunicorn|dev] [--workers 2] [--app-threads 4]

For each database it starts the booking service on a loopback port (``booking-app serve``,
gunicorn, as production runs it; ``--server dev`` for Flask's development server) with one
booking per event, then sends one signed ``invitee.created`` per booking from N
client threads through the whole path: signature check, envelope and dedupe
key, the durable inbox, the handler, the answer. Two cases:

- ``confirm``: the bookings were made in the app and are linked to their
  Calendly invitees already, as the booking flow leaves them; the webhook finds
  the booking by invitee URI and has nothing to change (every app booking's
  ``invitee.created`` is this);
- ``link``: the bookings are not linked yet; the handler finds each one by
  ``tracking.utm_content`` and writes the link (the race where the webhook
  overtakes the booking's own commit).

As many ``GET /healthz`` then go to the same server (it answers 200 and touches
nothing): the ceiling the server itself sets. Rounds alternate full and bare; medians are printed with their
ratio. Every event must come back accepted and processed, and every booking be
linked, or the run fails. Counts are bounded and nothing leaves the machine.
Figures, never assertions on time.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app_under_test.booking_service import claim_blocks
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.db import get_db
from app_under_test.models import Booking, BookingStatus, Client, SlotClaim
from bench.served import add_server_options, describe, serve, server_options
from harness.databases import PostgresDatabases, SqliteDatabases, postgres_unreachable_reason

API = "https://api.calendly.com"
EVENT_TYPE = f"{API}/event_types/BENCH"
KEY = secrets.token_urlsafe(32)
WARM_UP = 20


def invitee_uri(n: int) -> tuple[str, str]:
    event = f"{API}/scheduled_events/EV-{n:05d}"
    return event, f"{event}/invitees/INV-{n:05d}"


def seed(flask_app, count: int, *, linked: bool) -> list[str]:
    """One builder, one session type, ``count`` confirmed bookings an hour apart; returns their public ids."""
    refs = [f"bench-{n:05d}" for n in range(count)]
    first = datetime(2030, 1, 7, tzinfo=UTC)
    with flask_app.app_context(), get_db().transaction() as session:
        builder = add_builder(
            session,
            BuilderSpec(
                name="Bench Builder",
                timezone="UTC",
                email="b@example.com",
                session_types=[SessionTypeSpec("Call", "free", 30, calendly_event_type_uri=EVENT_TYPE)],
            ),
        )
        client = Client(email="client@example.com", name="Bench Client", timezone="UTC")
        session.add(client)
        session.flush()
        for n, ref in enumerate(refs):
            start = first + timedelta(hours=n)
            event, invitee = invitee_uri(n) if linked else (None, None)
            booking = Booking(
                public_id=ref,
                builder_id=builder.id,
                session_type_id=builder.session_types[0].id,
                client_id=client.id,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                client_timezone="UTC",
                status=BookingStatus.CONFIRMED,
                calendly_event_uri=event,
                calendly_invitee_uri=invitee,
            )
            booking.claims = [
                SlotClaim(builder_id=builder.id, block_start=b) for b in claim_blocks(start, booking.end_at)
            ]
            session.add(booking)
    return refs


def signed_event(ref: str, n: int) -> tuple[bytes, dict[str, str]]:
    start = datetime(2030, 1, 7, tzinfo=UTC) + timedelta(hours=n)
    event, invitee = invitee_uri(n)
    body = json.dumps(
        {
            "event": "invitee.created",
            "created_at": "2029-12-01T10:00:00.000000Z",
            "created_by": f"{API}/users/OPS",
            "payload": {
                "uri": invitee,
                "email": "client@example.com",
                "name": "Bench Client",
                "status": "active",
                "timezone": "UTC",
                "event": event,
                "tracking": {"utm_source": "booking-app", "utm_content": ref},
                "rescheduled": False,
                "old_invitee": None,
                "new_invitee": None,
                "scheduled_event": {
                    "uri": event,
                    "start_time": start.isoformat(),
                    "end_time": (start + timedelta(minutes=30)).isoformat(),
                    "event_type": EVENT_TYPE,
                },
            },
        },
        separators=(",", ":"),
    ).encode()
    t = int(time.time())
    signature = hmac.new(KEY.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Calendly-Webhook-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}


def blast(url: str, requests: list[tuple[bytes, dict[str, str]]], threads: int) -> tuple[float, list[httpx.Response]]:
    """Send every request from ``threads`` client threads (one keep-alive client each); wall seconds and answers.

    A request with an empty body is a GET (the bare endpoint), any other a POST.
    """
    local = threading.local()

    def send(item: tuple[bytes, dict[str, str]]) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=60)
        body, headers = item
        if not body:
            return local.client.get(url)
        return local.client.post(url, content=body, headers=headers)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        started = time.perf_counter()
        answers = list(pool.map(send, requests))
        return time.perf_counter() - started, answers


def bare_rate(app_url: str, count: int, threads: int, backend: str) -> float:
    """Requests per second of ``count`` ``GET /healthz`` to the same server (every answer must be 200)."""
    seconds, answers = blast(f"{app_url}/healthz", [(b"", {})] * count, threads)
    if any(a.status_code != 200 for a in answers):
        raise SystemExit(f"{backend}: the bare endpoint failed")
    return count / seconds


def medians(full_rates: list[float], bare_rates: list[float]) -> dict:
    full, bare = statistics.median(full_rates), statistics.median(bare_rates)
    return {"full": full, "bare": bare, "ratio": full / bare}


def run(backend: str, case: str, events: int, threads: int, rounds: int, server: dict) -> dict:
    """``rounds`` alternating runs of the full path and the bare endpoint; the median of each."""
    databases = SqliteDatabases() if backend == "sqlite" else PostgresDatabases()
    url = databases.create()
    total = WARM_UP + events * rounds
    try:
        with serve(
            url,
            {"calendly_webhook_signing_key": KEY},
            lambda flask_app: seed(flask_app, total, linked=case == "confirm"),
            **server,
        ) as (app_url, admin_client, refs):
            warm = [signed_event(ref, n) for n, ref in enumerate(refs[:WARM_UP])]
            blast(f"{app_url}/webhooks/calendly", warm, threads)
            bare_rate(app_url, WARM_UP, threads, backend)
            full_rates, bare_rates, accepted = [], [], 0
            for round_no in range(rounds):
                first = WARM_UP + round_no * events
                batch = [signed_event(refs[n], n) for n in range(first, first + events)]  # signed just before use
                seconds, answers = blast(f"{app_url}/webhooks/calendly", batch, threads)
                full_rates.append(events / seconds)
                accepted += sum(
                    1 for a in answers if a.status_code == 200 and a.json().get("processing") == "processed"
                )
                bare_rates.append(bare_rate(app_url, events, threads, backend))
            with admin_client() as admin:
                linked = sum(
                    1 for b in admin.get("/admin/api/bookings").json()["bookings"] if b["calendly_invitee_uri"]
                )
        if accepted != events * rounds or linked != total:
            raise SystemExit(f"{backend}: {accepted}/{events * rounds} accepted, {linked}/{total} bookings linked")
        return medians(full_rates, bare_rates)
    finally:
        databases.drop(url)
        databases.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--events", type=int, default=500, help="signed invitee.created events per round (max 2000)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are printed")
    parser.add_argument("--case", default="confirm,link", help="confirm (already linked), link (linked now)")
    add_server_options(parser)
    args = parser.parse_args()
    server = server_options(args)
    events = max(1, min(args.events, 2000))
    rounds = max(1, min(args.rounds, 5))
    print(
        f"{'database':<12}{'case':<9}{'full path ev/s':>16}{'bare 200 req/s':>16}{'ratio':>8}   "
        f"({events} events x {rounds} rounds, {args.threads} client threads, {describe(server)}, loopback, medians)"
    )
    for backend in [b.strip() for b in args.db.split(",") if b.strip()]:
        if backend == "postgresql" and (reason := postgres_unreachable_reason()):
            print(f"{backend:<12}skipped: {reason}")
            continue
        for case in [c.strip() for c in args.case.split(",") if c.strip()]:
            result = run(backend, case, events, args.threads, rounds, server)
            print(f"{backend:<12}{case:<9}{result['full']:>16.0f}{result['bare']:>16.0f}{result['ratio']:>8.2f}")


if __name__ == "__main__":
    main()
