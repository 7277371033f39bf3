"""Each delivery-plan fault, observed from the receiving end, and how plans are matched and consumed."""

from __future__ import annotations

import json
import threading

import pytest

from harness.servers import serve_in_thread
from simulators.delivery import DeliveryPlan, PlanError

pytestmark = [pytest.mark.webhook, pytest.mark.fault]


def plan(engine, event_type=None, times=1, **faults):
    engine.set_plan("test", DeliveryPlan(**faults), event_type=event_type, times=times)


def test_duplicates_replay_the_original_request_byte_for_byte(engine, submit, receiver, signer):
    plan(engine, duplicate=2)
    deliveries = submit()
    engine.flush()

    requests = receiver.wait_for(3)
    assert [d.kind for d in deliveries] == ["original", "duplicate", "duplicate"]
    assert len({d.id for d in deliveries}) == 3
    assert {r.body for r in requests} == {requests[0].body}
    sent_headers = [{k: v for k, v in r.headers.items() if k != "Host"} for r in requests]
    assert sent_headers[1] == sent_headers[0] and sent_headers[2] == sent_headers[0]
    assert all(signer.verify(r.headers, r.body) for r in requests)


def test_resigned_duplicates_carry_their_own_valid_signature(engine, submit, receiver, signer):
    class CountingSigner(type(signer)):
        calls = 0

        def headers(self, body, timestamp, *, wrong_key=False):
            CountingSigner.calls += 1
            return super().headers(body, timestamp, wrong_key=wrong_key)

    plan(engine, duplicate=2, resign_duplicates=True)
    submit(signer=CountingSigner())
    engine.flush()

    requests = receiver.wait_for(3)
    assert CountingSigner.calls == 3
    assert all(signer.verify(r.headers, r.body) for r in requests)


def test_unplanned_events_are_signed_once_per_attempt(engine, submit, receiver):
    plan(engine, duplicate=2)
    submit()
    engine.flush()
    journal = engine.journal()
    assert [row.kind for row in journal] == ["original", "duplicate", "duplicate"]


class OverlapReceiver:
    """Answers 200 only if all ``copies`` requests are inside it at the same moment, else 409."""

    def __init__(self, copies: int) -> None:
        self.together = threading.Barrier(copies)
        self.bodies: list[bytes] = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            self.together.wait(timeout=5)
            status = "200 OK"
        except threading.BrokenBarrierError:
            status = "409 Conflict"
        self.bodies.append(body)
        start_response(status, [("Content-Type", "text/plain")])
        return [b"ok"]


def test_concurrent_copies_arrive_at_the_same_time(engine, submit):
    overlap = OverlapReceiver(4)
    running = serve_in_thread(overlap, name="overlap-receiver")
    try:
        plan(engine, concurrent=4)
        deliveries = submit(endpoint=f"{running.url}/hooks")
        rows = engine.flush()
    finally:
        running.stop()

    assert [r.response_status for r in rows] == [200] * 4
    assert len(overlap.bodies) == 4 and len(set(overlap.bodies)) == 1
    assert [d.kind for d in deliveries] == ["original"] + ["concurrent"] * 3
    assert [r.delivery_id for r in rows] == [d.id for d in deliveries]
    assert len({r.request_headers["X-Test-Signature"] for r in rows}) == 1


def test_a_failed_concurrent_copy_is_retried_on_its_own(engine, submit, receiver):
    plan(engine, concurrent=3)
    receiver.respond_with(500)
    submit()
    engine.flush()
    [failed] = engine.pending()
    assert failed.status == "failed"
    [retry] = engine.advance(60)
    assert retry.delivery_id == failed.id and retry.attempt_no == 2 and retry.succeeded


def test_a_reordered_event_arrives_after_the_next_one(engine, submit, receiver):
    plan(engine, reorder=True)
    [_first] = submit({"n": 1})
    assert engine.deliveries()[0].status == "held"
    assert engine.flush()  # flushing alone releases it (nothing follows)
    receiver.wait_for(1)

    plan(engine, reorder=True)
    submit({"n": 2})
    submit({"n": 3})
    engine.flush()
    bodies = [json.loads(r.body)["n"] for r in receiver.wait_for(3)]
    assert bodies == [1, 3, 2]


def test_a_held_event_is_released_by_the_next_event_even_without_flush(engine, submit, receiver):
    plan(engine, reorder=True)
    submit({"n": 1})
    submit({"n": 2})
    rows = engine.advance(0)  # advance never releases holds by itself: only the later event does
    assert [json.loads(r.request_body)["n"] for r in rows] == [2, 1]


def test_a_delayed_event_waits_for_virtual_time(engine, submit, receiver):
    plan(engine, delay=7200)
    submit()
    assert engine.flush() == []
    assert engine.advance(7199) == []
    assert len(engine.advance(1)) == 1
    receiver.wait_for(1)


def test_dropped_and_nulled_fields(engine, submit, receiver):
    plan(engine, drop_fields=["data.email"], null_fields=["data.timezone"])
    submit({"id": "evt", "data": {"email": "a@example.com", "timezone": "Europe/Paris", "name": "A"}})
    engine.flush()
    [request] = receiver.wait_for(1)
    assert json.loads(request.body) == {"id": "evt", "data": {"timezone": None, "name": "A"}}


def test_a_field_path_that_does_not_exist_is_an_error_and_keeps_the_plan(engine, submit):
    plan(engine, drop_fields=["data.nope"])
    with pytest.raises(PlanError, match=r"data\.nope"):
        submit()
    assert engine.deliveries() == []
    assert engine.plans()[0]["plan"]["drop_fields"] == ["data.nope"]


def test_wrong_shape_uses_the_named_provider_variant(engine, submit, receiver):
    plan(engine, wrong_shape="flat")
    submit({"data": {"n": 1}}, shape_variants={"flat": lambda p: p["data"], "other": dict})
    engine.flush()
    assert json.loads(receiver.wait_for(1)[0].body) == {"n": 1}


def test_an_unknown_shape_variant_lists_the_known_ones(engine, submit):
    plan(engine, wrong_shape="flta")
    with pytest.raises(PlanError, match=r"flta.*known: flat, other"):
        submit(shape_variants={"flat": dict, "other": dict})


def test_a_corrupt_signature_fails_the_receivers_check(engine, submit, receiver, signer):
    plan(engine, corrupt_signature=True)
    submit()
    engine.flush()
    [request] = receiver.wait_for(1)
    assert signer.timestamp_of(request.headers) > 0
    assert not signer.verify(request.headers, request.body)


def test_wrong_key_signs_with_a_key_the_receiver_does_not_know(engine, submit, receiver, signer, unknown_key):
    plan(engine, wrong_key=True)
    submit()
    engine.flush()
    [request] = receiver.wait_for(1)
    assert not signer.verify(request.headers, request.body)
    assert signer.verify(request.headers, request.body, key=unknown_key)


def test_stale_timestamp_signs_in_the_past_with_a_valid_signature(engine, submit, receiver, signer):
    plan(engine, stale_timestamp=600)
    submit()
    real_before = int(engine._clock.real_now())
    engine.flush()
    real_after = int(engine._clock.real_now())
    [request] = receiver.wait_for(1)
    assert signer.verify(request.headers, request.body)
    assert real_before - 600 <= signer.timestamp_of(request.headers) <= real_after - 600


def test_distinct_duplicate_sends_a_second_event_for_the_same_change(engine, submit, receiver):
    plan(engine, distinct_duplicate=True)
    deliveries = submit(
        {"id": "evt_1", "data": {"object": {"id": "cs_1"}}},
        event_id="evt_1",
        distinct_variant=lambda p: {**p, "id": "evt_2"},
    )
    engine.flush()
    bodies = [json.loads(r.body) for r in receiver.wait_for(2)]
    assert [b["id"] for b in bodies] == ["evt_1", "evt_2"]
    assert {b["data"]["object"]["id"] for b in bodies} == {"cs_1"}
    assert [(d.kind, d.event_id) for d in deliveries] == [("original", "evt_1"), ("distinct", "evt_2")]


def test_distinct_duplicate_without_a_variant_is_refused(engine, submit):
    plan(engine, distinct_duplicate=True)
    with pytest.raises(PlanError, match="distinct_duplicate"):
        submit()


def test_a_custom_serialiser_shapes_the_bytes(engine, submit, receiver):
    submit({"a": 1}, serialize=lambda p: json.dumps(p, indent=2).encode())
    engine.flush()
    assert receiver.wait_for(1)[0].body == b'{\n  "a": 1\n}'


def test_provider_headers_go_on_every_attempt_and_may_replace_the_content_type(engine, submit, receiver):
    receiver.respond_with(500)
    submit(headers={"User-Agent": "Calendly-Webhooks", "content-type": "application/json; charset=utf-8"})
    engine.flush()
    engine.advance(60)
    for request in receiver.wait_for(2):
        assert request.headers["User-Agent"] == "Calendly-Webhooks"
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"


def test_plans_are_consumed_in_order_and_by_event_type(engine, submit, receiver):
    plan(engine, event_type="b", duplicate=1)
    plan(engine, times=2, duplicate=2)
    kinds = {}
    for event_type in ["a", "b", "c", "d"]:
        kinds[event_type] = len(submit(event_type=event_type))
    assert kinds == {"a": 3, "b": 2, "c": 3, "d": 1}
    assert engine.plans() == []


def test_a_plan_without_times_stays_until_cleared(engine, submit):
    plan(engine, times=None, duplicate=1)
    assert [len(submit()) for _ in range(3)] == [2, 2, 2]
    engine.clear_plans("other")
    assert len(submit()) == 2
    engine.clear_plans("test")
    assert len(submit()) == 1
