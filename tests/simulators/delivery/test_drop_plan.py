"""A dropped event is recorded but never reaches the receiver (what reconciliation must recover)."""

from __future__ import annotations

import hashlib
import hmac

from simulators.clock import VirtualClock
from simulators.delivery import CALENDLY, DeliveryEngine, DeliveryPlan


class _Signer:
    def headers(self, body: bytes, timestamp: int, *, wrong_key: bool = False) -> dict[str, str]:
        digest = hmac.new(b"k", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return {"X-Signature": f"t={timestamp},v1={digest}"}


def test_a_dropped_event_is_never_sent_and_the_next_one_is(receiver):
    engine = DeliveryEngine(VirtualClock(), seed=7, auto=False)
    engine.set_plan("calendly", DeliveryPlan.from_dict({"drop": True, "duplicate": 3}))
    lost = engine.submit(
        provider="calendly",
        endpoint=f"{receiver.url}/hook",
        event_type="invitee.created",
        payload={"n": 1},
        signer=_Signer(),
        retry=CALENDLY,
    )
    kept = engine.submit(
        provider="calendly",
        endpoint=f"{receiver.url}/hook",
        event_type="invitee.created",
        payload={"n": 2},
        signer=_Signer(),
        retry=CALENDLY,
    )
    attempts = engine.flush()
    assert [d.status for d in lost] == ["dropped"]  # no copies of a lost event either
    assert len(attempts) == 1 and attempts[0].request_body == '{"n":2}'
    assert [r.body for r in receiver.wait_for(1)] == [b'{"n":2}']
    assert {d.id: d.status for d in engine.deliveries()}[kept[0].id] == "delivered"
    assert engine.advance(2 * 24 * 3600) == []  # never retried
    engine.close()
