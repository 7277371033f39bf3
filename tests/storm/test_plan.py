"""The storm's plan: the mix it promises, shares that split it exactly, redeliveries after their originals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import stripe

from bench.storm.plan import Mix, build_plan, sign

FIRST = datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_the_plan_has_the_mix_it_promises_and_is_the_same_for_the_same_seed():
    plan = build_plan(1000, seed=13, first_start=FIRST, mix=Mix(0.3, 0.1, 0.05))
    kinds = Counter(send.kind for send in plan.sends)
    assert len(plan.sends) == 1000
    assert kinds == {"original": 550, "duplicate": 300, "reordered": 100, "bad_signature": 50}
    again = build_plan(1000, seed=13, first_start=FIRST, mix=Mix(0.3, 0.1, 0.05))
    assert [s.body for s in again.sends] == [s.body for s in plan.sends]
    assert [s.body for s in build_plan(1000, seed=14, first_start=FIRST).sends] != [s.body for s in plan.sends]


def test_the_workers_shares_split_the_plan_exactly():
    plan = build_plan(500, seed=1, first_start=FIRST)
    shares = [plan.share(index, 3) for index in range(3)]
    shared = [id(group) for share in shares for group in share]
    assert sorted(shared) == sorted(id(group) for group in plan.groups)


def test_a_duplicate_comes_after_its_original_and_a_reordered_pair_sends_the_cancel_first():
    plan = build_plan(1000, seed=13, first_start=FIRST)
    first_seen: dict[str, int] = {}
    for position, group in enumerate(plan.groups):
        for send in group.sends:
            if send.kind == "original":
                first_seen[send.key] = position
            elif send.kind == "duplicate":
                assert first_seen.get(send.key, position) < position, send.key
        if group.sends[0].kind == "reordered":
            assert [s.key.split(":")[1] for s in group.sends] == ["invitee.canceled", "invitee.created"]


def test_bad_signatures_fail_the_check_and_good_ones_pass_it():
    plan = build_plan(200, seed=2, first_start=FIRST)
    stripe_send = next(s for s in plan.sends if s.provider == "stripe")
    headers = sign(stripe_send, calendly_key="k", stripe_secret="whsec_test")
    stripe.WebhookSignature.verify_header(stripe_send.body.decode(), headers["Stripe-Signature"], "whsec_test", 300)
    bad = next(s for s in plan.sends if s.kind == "bad_signature")
    assert bad.signed_over is not None and bad.signed_over != bad.body
