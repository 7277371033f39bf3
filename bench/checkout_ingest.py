"""Stripe checkout-completion ingestion throughput: the full path against a bare endpoint on the same server.

    .venv/bin/python bench/checkout_ingest.py [--db sqlite,postgresql] [--events 500] [--rounds 3]
                                              [--threads 8] [--case confirm,duplicate] [--no-hooks]
                                              [--server gunicorn|dev] [--workers 2] [--app-threads 4]

For each database it starts the booking service on a loopback port (``booking-app serve``,
gunicorn, as production runs it; ``--server dev`` for Flask's development server) with one
held paid booking (slot claimed, Checkout Session row open) per event, then
sends one signed ``checkout.session.completed`` per booking from N client
threads through the whole path: ``stripe.Webhook.construct_event`` over the raw
body, the envelope checks, the durable inbox keyed by event id, the handler
(booking locked, payment paid, booking confirmed, the confirmation hooks), the
answer. The event bodies are Stripe's: the simulator's own Checkout Session
object, serialised as Stripe does, signed with stripe-python. Cases:

- ``confirm``: every event is new and confirms its booking;
- ``duplicate``: the same events again, once confirmed (the inbox acknowledges
  each as a duplicate; what a retry storm costs).

``--no-hooks`` replaces the booking event hooks (the confirmation and receipt
mails queued in the same transaction) by no-ops, to show the payment path alone
(it changes the app in-process, so it runs with ``--server dev``).

As many ``GET /healthz`` then go to the same server (200, touching nothing). Rounds alternate
full and bare; medians are printed with their ratio. Every event must be
processed (or, for duplicates, acknowledged as one) and every booking end
confirmed, or the run fails. Counts are bounded; nothing leaves the machine.
Figures, never assertions on time.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import stripe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook_ingest import bare_rate, blast, medians

from app_under_test.booking_service import claim_blocks
from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder
from app_under_test.db import get_db
from app_under_test.event_bus import EventBus, attach
from app_under_test.models import Booking, BookingStatus, Client, Payment, SlotClaim
from bench.served import add_server_options, describe, serve, server_options
from harness.databases import PostgresDatabases, SqliteDatabases, postgres_unreachable_reason
from simulators.stripe import objects
from simulators.stripe.events import serialize

SECRET = "whsec_" + "b" * 32
WARM_UP = 20
PRICE, CURRENCY = 4500, "gbp"


def seed(flask_app, count: int) -> list[str]:
    """One builder, one paid session type, ``count`` held bookings an hour apart with an open payment each."""
    refs = [f"bench-{n:05d}" for n in range(count)]
    first = datetime(2030, 1, 7, tzinfo=UTC)
    now = datetime.now(UTC)
    with flask_app.app_context(), get_db().transaction() as session:
        builder = add_builder(
            session,
            BuilderSpec(
                name="Bench Builder",
                timezone="UTC",
                email="b@example.com",
                session_types=[SessionTypeSpec("Review", "paid", 60, PRICE, CURRENCY)],
            ),
        )
        client = Client(email="client@example.com", name="Bench Client", timezone="UTC")
        session.add(client)
        session.flush()
        for n, ref in enumerate(refs):
            start = first + timedelta(hours=n)
            booking = Booking(
                public_id=ref,
                builder_id=builder.id,
                session_type_id=builder.session_types[0].id,
                client_id=client.id,
                start_at=start,
                end_at=start + timedelta(minutes=60),
                client_timezone="UTC",
                status=BookingStatus.PENDING_PAYMENT,
                price_cents=PRICE,
                currency=CURRENCY,
                hold_expires_at=now + timedelta(hours=2),
            )
            booking.claims = [
                SlotClaim(builder_id=builder.id, block_start=b) for b in claim_blocks(start, booking.end_at)
            ]
            session.add(booking)
            session.flush()
            session.add(
                Payment(
                    booking_id=booking.id,
                    checkout_session_id=checkout_id(n),
                    amount_cents=PRICE,
                    currency=CURRENCY,
                    status="open",
                    created_at=now,
                    updated_at=now,
                )
            )
    return refs


def checkout_id(n: int) -> str:
    return f"cs_test_bench{n:05d}"


def signed_event(ref: str, n: int, app_url: str) -> tuple[bytes, dict[str, str]]:
    """``checkout.session.completed`` as Stripe sends it: the full session object, pretty-printed, signed."""
    now = int(time.time())
    session = objects.checkout_session(
        id=checkout_id(n),
        created=now - 120,
        expires_at=now + 1800,
        url=None,
        currency=CURRENCY,
        amount_subtotal=PRICE,
        amount_total=PRICE,
        metadata={"bookingId": ref},
        client_reference_id=ref,
        customer_email="client@example.com",
        success_url=f"{app_url}/bookings/{ref}/paid?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{app_url}/bookings/{ref}/payment-canceled",
        payment_method_types=["card"],
    )
    session.update(
        status="complete",
        payment_status="paid",
        payment_intent=f"pi_bench{n:05d}",
        customer_details=objects.customer_details("client@example.com", "Bench Client"),
    )
    event = {
        "id": f"evt_bench{n:05d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": now,
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
    }
    body = serialize(event)
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
    return body, {"Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8"}


def _without_hooks(flask_app) -> None:
    """A bus without subscribers: booking events (mails, refunds) do nothing."""
    attach(flask_app.extensions["booking_db"].session_info, EventBus())


def run(backend: str, case: str, events: int, threads: int, rounds: int, server: dict, *, hooks: bool = True) -> dict:
    databases = SqliteDatabases() if backend == "sqlite" else PostgresDatabases()
    url = databases.create()
    total = WARM_UP + events * rounds
    try:
        with serve(
            url,
            {"stripe_webhook_secret": SECRET},
            lambda flask_app: seed(flask_app, total),
            prepare=None if hooks else _without_hooks,
            **server,
        ) as (app_url, admin_client, refs):
            warm = [signed_event(ref, n, app_url) for n, ref in enumerate(refs[:WARM_UP])]
            blast(f"{app_url}/webhooks/stripe", warm, threads)
            bare_rate(app_url, WARM_UP, threads, backend)
            full_rates, bare_rates, good = [], [], 0
            expected = "duplicate" if case == "duplicate" else "processed"
            for round_no in range(rounds):
                first = WARM_UP + round_no * events
                batch = [signed_event(refs[n], n, app_url) for n in range(first, first + events)]
                if case == "duplicate":
                    blast(f"{app_url}/webhooks/stripe", batch, threads)  # the originals, not timed
                    batch = [signed_event(refs[n], n, app_url) for n in range(first, first + events)]
                seconds, answers = blast(f"{app_url}/webhooks/stripe", batch, threads)
                full_rates.append(events / seconds)
                good += sum(
                    1
                    for a in answers
                    if a.status_code == 200 and expected in (a.json().get("processing"), a.json().get("status"))
                )
                bare_rates.append(bare_rate(app_url, events, threads, backend))
            with admin_client() as admin:
                confirmed = sum(
                    1
                    for b in admin.get("/admin/api/bookings").json()["bookings"]
                    if b["status"] == "confirmed" and b["payment"]["status"] == "paid"
                )
        if good != events * rounds or confirmed != total:
            raise SystemExit(
                f"{backend}/{case}: {good}/{events * rounds} answered {expected}, "
                f"{confirmed}/{total} bookings confirmed and paid"
            )
        return medians(full_rates, bare_rates)
    finally:
        databases.drop(url)
        databases.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--events", type=int, default=500, help="signed events per round (max 2000)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are printed")
    parser.add_argument("--case", default="confirm,duplicate", help="confirm (new events), duplicate (seen ones)")
    parser.add_argument(
        "--no-hooks", action="store_true", help="the app's booking event subscribers (mails, refunds) are left out"
    )
    add_server_options(parser)
    args = parser.parse_args()
    server = server_options(args)
    events = max(1, min(args.events, 2000))
    rounds = max(1, min(args.rounds, 5))
    print(
        f"{'database':<12}{'case':<11}{'full path ev/s':>16}{'bare 200 req/s':>16}{'ratio':>8}   "
        f"({events} events x {rounds} rounds, {args.threads} client threads, {describe(server)}, loopback, medians"
        f"{', hooks off' if args.no_hooks else ''})"
    )
    for backend in [b.strip() for b in args.db.split(",") if b.strip()]:
        if backend == "postgresql" and (reason := postgres_unreachable_reason()):
            print(f"{backend:<12}skipped: {reason}")
            continue
        for case in [c.strip() for c in args.case.split(",") if c.strip()]:
            result = run(backend, case, events, args.threads, rounds, server, hooks=not args.no_hooks)
            print(f"{backend:<12}{case:<11}{result['full']:>16.0f}{result['bare']:>16.0f}{result['ratio']:>8.2f}")


if __name__ == "__main__":
    main()
