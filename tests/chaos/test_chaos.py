"""The outside world against the app, by search: a Hypothesis state machine over bookings, provider events and faults.

Each example starts the app on a fresh database (SQLite and PostgreSQL), wired to the simulators,
and takes a sequence of the world's actions (``world.py``); the invariants (``invariants.py``) are
checked after every step, and the full set once the run is made quiet. A failure shrinks to a
minimal sequence, written to ``reports/chaos/<test>.json`` (replay it with ``CHAOS_REPLAY=<file>``)
with the Gherkin scenario it reads as. ``CHAOS_PROFILE=deep`` is the nightly search (see
docs/testing.md); the gate runs the small, derandomized profile.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from harness.chaos_report import record_chaos_explored
from tests.chaos import invariants
from tests.chaos.world import CARDS, FAULTS, SESSIONS, SLOT_COUNT, World, gherkin

pytestmark = [pytest.mark.chaos, pytest.mark.database, pytest.mark.slow, pytest.mark.xdist_group("chaos")]

PROFILES = {"small": (4, 15), "deep": (100, 50)}  # examples, steps per example
REPORTS = Path("reports/chaos")

slot_indexes = st.integers(min_value=0, max_value=SLOT_COUNT - 1)
booking_indexes = st.integers(min_value=0, max_value=20)
kinds = st.sampled_from(sorted(SESSIONS))


def _profile() -> tuple[int, int]:
    return PROFILES[os.environ.get("CHAOS_PROFILE", "small")]


def chaos_machine(start_world):
    """The state machine class; ``start_world()`` gives a fresh World (new database, app, reset simulators)."""

    class TheOutsideWorld(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.world: World = start_world()

        @initialize(kind=kinds, slot=slot_indexes)
        def a_first_booking(self, kind: str, slot: int) -> None:
            self.world.book(kind, slot)

        @rule(kind=kinds, slot=slot_indexes)
        def a_client_books(self, kind: str, slot: int) -> None:
            self.world.book(kind, slot)

        @rule(first=st.sampled_from(["free", "paid"]), second=st.sampled_from(["free", "paid"]), slot=slot_indexes)
        def two_clients_race_for_one_slot(self, first: str, second: str, slot: int) -> None:
            outcomes = self.world.race([first, second], slot)
            assert sum(1 for ref in outcomes if ref) <= 1 or self._free_after_release(outcomes), (
                f"both racers got the same slot: {outcomes}"
            )

        def _free_after_release(self, outcomes: list[str | None]) -> bool:
            live = [ref for ref in outcomes if ref and self.world.booking(ref)["status"] in invariants.LIVE]
            return len(live) <= 1

        @rule(booking=booking_indexes, card=st.sampled_from(sorted(CARDS)))
        def the_customer_pays_on_stripe(self, booking: int, card: str) -> None:
            self.world.pay(booking, card)

        @rule(booking=booking_indexes)
        def someone_refunds_a_payment_in_stripes_dashboard(self, booking: int) -> None:
            self.world.stripe_dashboard_refund(booking)

        @rule(booking=booking_indexes, by=st.sampled_from(["invitee", "host"]))
        def someone_cancels_on_calendly(self, booking: int, by: str) -> None:
            self.world.calendly_cancel(booking, by)

        @rule(booking=booking_indexes, slot=slot_indexes, order=st.sampled_from(["canceled_first", "created_first"]))
        def the_invitee_reschedules_on_calendly(self, booking: int, slot: int, order: str) -> None:
            self.world.calendly_reschedule(booking, slot, order)

        @rule(booking=booking_indexes, mark=st.booleans())
        def the_host_marks_or_clears_a_no_show(self, booking: int, mark: bool) -> None:
            self.world.calendly_no_show(booking, mark)

        @rule(slot=slot_indexes)
        def someone_books_directly_on_calendly(self, slot: int) -> None:
            self.world.calendly_direct_booking(slot)

        @rule()
        def someone_submits_the_routing_form(self) -> None:
            self.world.routing_form_submission()

        @rule(provider=st.sampled_from(["stripe", "calendly"]), fault=st.sampled_from(sorted(FAULTS)))
        def the_next_delivery_is_faulted(self, provider: str, fault: str) -> None:
            self.world.fault_next_delivery(provider, fault)

        @rule(status=st.sampled_from([500, 503, 429]))
        def sendgrid_fails(self, status: int) -> None:
            self.world.sendgrid_fails(status)

        @rule()
        def sendgrid_recovers(self) -> None:
            self.world.sendgrid_recovers()

        @rule(
            job=st.sampled_from(
                [
                    "mail send-due",
                    "mail send-reminders",
                    "payments expire-holds",
                    "payments issue-refunds",
                    "webhooks process-due",
                    "calendly reconcile",
                ]
            )
        )
        def an_operator_job_runs(self, job: str) -> None:
            self.world.run_job(job)

        @rule(minutes=st.sampled_from([1, 10, 45, 240]))
        def time_passes(self, minutes: int) -> None:
            self.world.advance(minutes)

        @invariant()
        def the_invariants_hold(self) -> None:
            self.world.settle_deliveries()
            invariants.always(self.world)

        def teardown(self) -> None:
            try:
                self.world.quiesce()
                invariants.when_quiet(self.world)
            finally:
                self.world.close()

    return TheOutsideWorld


def _write_failure(name: str, world: World, error: BaseException) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{name}.json"
    path.write_text(json.dumps({"test": name, "error": str(error)[:2000], "actions": world.log}, indent=2))
    path.with_suffix(".feature").write_text(
        "Feature: a sequence the chaos state machine found\n\n" + gherkin(world.log, str(error).splitlines()[0][:100])
    )
    return path


def test_the_outside_world_cannot_break_the_invariants(start_world, request: pytest.FixtureRequest):
    examples, steps = _profile()
    worlds: list[World] = []

    def tracked_start() -> World:
        world = start_world()
        worlds.append(world)
        return world

    machine = chaos_machine(tracked_start)
    name = request.node.name.replace("[", "-").replace("]", "")
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            ),
        )
    except BaseException as error:
        if worlds:
            path = _write_failure(name, worlds[-1], error)  # the last run is the shrunk one
            error.add_note(
                f"the shrunk sequence: {path} (replay: CHAOS_REPLAY={path}); scenario: {path.with_suffix('.feature')}"
            )
        raise
    finally:
        record_chaos_explored(request.node, len(worlds), sum(w.steps for w in worlds))
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / f"{name}.explored.json").write_text(
            json.dumps({"examples": len(worlds), "steps": sum(w.steps for w in worlds)})
        )
    print(f"chaos: {len(worlds)} examples, {sum(w.steps for w in worlds)} steps explored ({name})")


@pytest.mark.skipif(not os.environ.get("CHAOS_REPLAY"), reason="set CHAOS_REPLAY=<reports/chaos/....json> to replay")
def test_replay_a_written_down_sequence(start_world):
    recorded = json.loads(Path(os.environ["CHAOS_REPLAY"]).read_text())
    world = start_world()
    for entry in recorded["actions"]:
        if entry["action"] == "quiesce":
            continue
        world.replay([entry])
        world.settle_deliveries()
        invariants.always(world)
    world.quiesce()
    invariants.when_quiet(world)
