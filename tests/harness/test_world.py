"""The scenario's names: the feature's own in-process, its own unique ones on a shared deployed target."""

from __future__ import annotations

import pytest

from harness import remote
from steps.support import World, session_path


def test_in_process_names_are_the_features_own():
    world = World()
    assert not world.shared
    assert world.builder("Ada Stone") == "Ada Stone"
    assert world.email("grace@example.com") == "grace@example.com"
    assert world.text("Canceled by: Ada Stone (the builder)") == "Canceled by: Ada Stone (the builder)"


def test_a_shared_deployment_gives_each_name_the_scenarios_suffix():
    world = World("t0123abcd", journal_since=41)
    assert world.shared
    assert session_path(world.builder("Ada Stone"), "Intro call") == "/builders/ada-stone-t0123abcd/sessions/intro-call"
    assert world.email("grace@example.com") == "grace+t0123abcd@example.com"
    assert world.email("ada-stone@builders.example.com") == "ada-stone+t0123abcd@builders.example.com"
    assert world.emails() == ["grace+t0123abcd@example.com", "ada-stone+t0123abcd@builders.example.com"]
    assert world.builders() == ["Ada Stone t0123abcd"]
    # a sentence the feature expects to read names the scenario's own builder and people, each once
    assert world.text("Intro call with Ada Stone for grace@example.com") == (
        "Intro call with Ada Stone t0123abcd for grace+t0123abcd@example.com"
    )
    assert world.text("Canceled by: Grace Example") == "Canceled by: Grace Example"


def test_suffixes_differ_per_scenario_and_only_on_a_target(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(remote.TARGET_URL, raising=False)
    assert remote.scenario_suffix("steps/test_booking.py::test_a[target]") == ""
    monkeypatch.setenv(remote.TARGET_URL, "http://127.0.0.1:1")
    first, second = (remote.scenario_suffix(f"steps/test_booking.py::test_{n}[target]") for n in "ab")
    assert first != second and first.startswith("t") and len(first) == 9


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("SendGrid is down", remote.SIMULATOR_FAULT_REASON),
        ("Stripe's API is down", remote.SIMULATOR_FAULT_REASON),
        ("Calendly's clock moves on 1 hour", remote.SIMULATOR_CLOCK_REASON),
        ("the app stops answering", remote.IN_PROCESS_REASON),
        ("the reminder job runs 3 hours before the session", remote.WHOLE_DEPLOYMENT_JOB_REASON),
        ('"grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly', None),
        ("Stripe's API is back", None),
        ("Stripe's API answers the next Checkout Session request with a 500 after making the session", None),
        ("no Calendly event took effect twice", None),
    ],
)
def test_each_step_sentence_a_shared_deployment_cannot_run_names_its_reason(sentence: str, reason: str | None):
    found = next((r for pattern, r in remote.SHARED_DEPLOYMENT_LIMITS if pattern.search(sentence)), None)
    assert found == reason
