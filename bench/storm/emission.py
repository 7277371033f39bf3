"""How fast the simulators' delivery engine emits signed webhooks: signing, queuing, and end to end over HTTP.

    .venv/bin/python bench/storm/emission.py [--events 10000] [--rounds 3]

Three figures, each the median of ``--rounds``:

- signing: Calendly HMAC and Stripe signature headers made per second (the providers' own signers);
- queuing: events submitted to the engine per second (plan lookup, body, delivery records);
- end to end: signed deliveries per second the engine sends over HTTP to a bare receiver (another
  process answering 200 to everything, keep-alive), from the first submit to the last answer,
  with the auto-delivery worker sending as a provider does.

The engine is the simulators' own (``simulators.delivery``), used as the Calendly simulator uses it.
Figures only, never assertions on time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from simulators.calendly.signing import Signer as CalendlySigner
from simulators.clock import VirtualClock
from simulators.delivery import DeliveryEngine
from simulators.delivery.retry import CALENDLY
from simulators.stripe.webhooks import signature_header

RECEIVER = r"""
import asyncio, sys

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def envelope(n: int) -> dict:
    uri = f"https://api.calendly.com/scheduled_events/EMIT-{n:06d}/invitees/INV-{n:06d}"
    return {"event": "invitee.created", "created_at": "2026-01-01T00:00:00.000000Z", "payload": {"uri": uri, "n": n}}


def signing_rate(count: int) -> tuple[float, float]:
    signer = CalendlySigner("k" * 43)
    bodies = [f'{{"n":{n},"payload":"{"x" * 600}"}}'.encode() for n in range(count)]
    started = time.perf_counter()
    for body in bodies:
        signer.headers(body, 1_767_225_600)
    calendly = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for body in bodies:
        signature_header(body, ["whsec_" + "s" * 32], 1_767_225_600)
    return calendly, count / (time.perf_counter() - started)


def emission(count: int, url: str) -> tuple[float, float]:
    """(events queued per second, deliveries answered per second end to end) with the auto worker sending."""
    engine = DeliveryEngine(VirtualClock(), seed=7, auto=True)
    signer = CalendlySigner("k" * 43)
    try:
        started = time.perf_counter()
        for n in range(count):
            engine.submit(
                provider="calendly",
                endpoint=url,
                event_type="invitee.created",
                payload=envelope(n),
                signer=signer,
                retry=CALENDLY,
            )
        queued = count / (time.perf_counter() - started)
        if not engine.wait_idle(timeout=600):
            raise SystemExit("the engine did not finish sending within 10 minutes")
        seconds = time.perf_counter() - started
        rows = engine.journal()
        if len(rows) != count or not all(row.succeeded for row in rows):
            raise SystemExit(f"{sum(r.succeeded for r in rows)} of {count} deliveries succeeded")
        return queued, count / seconds
    finally:
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/hooks"
        signing = [signing_rate(args.events) for _ in range(args.rounds)]
        runs = [emission(args.events, url) for _ in range(args.rounds)]
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    print(f"({args.events} events x {args.rounds} rounds, medians; bare receiver in another process, loopback)")
    calendly, stripe = (statistics.median(s[i] for s in signing) for i in (0, 1))
    print(f"signing:    Calendly {calendly:>9,.0f}/s   Stripe {stripe:>9,.0f}/s")
    print(f"queuing:    {statistics.median(r[0] for r in runs):>9,.0f} events/s submitted to the engine")
    print(f"end to end: {statistics.median(r[1] for r in runs):>9,.0f} signed deliveries/s answered")


if __name__ == "__main__":
    main()
