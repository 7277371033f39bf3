"""A reduced storm in the gate: 1,000 signed webhooks through Locust to the app under gunicorn, then the checker.

The same code as ``bench/storm/run.py`` (which measures 10,000): two local Locust worker processes,
each sending its share of the seeded plan (30% duplicates, 10% reordered pairs, 5% bad signatures)
to ``booking-app serve`` on a fresh database. Nothing here is timed: the figures are printed, the
checker's verdict is asserted. The bare ``/healthz`` baseline, a figure and no verdict, is left to the
benchmark.
"""

from __future__ import annotations

import pytest

from bench.storm.run import storm_against_new_app

pytestmark = [pytest.mark.storm, pytest.mark.database, pytest.mark.slow, pytest.mark.xdist_group("storm")]


def test_a_storm_of_a_thousand_webhooks_loses_nothing_applies_nothing_twice_and_refuses_every_bad_signature(db_url):
    figures = storm_against_new_app(
        db_url, events=1000, seed=13, processes=2, users=16, app_workers=2, app_threads=4, baseline=False
    )
    print("\n".join(figures.lines()))
    verdict = figures.verdict
    assert figures.events == 1000, f"{figures.events} requests were sent, not 1000"
    assert verdict.events > 500  # the distinct well-signed events among the 1,000 requests
    assert not verdict.lost, verdict.lost[:10]
    assert not verdict.applied_twice, verdict.applied_twice[:10]
    assert not verdict.bad_signatures_accepted, verdict.bad_signatures_accepted[:10]
    assert not verdict.wrong_end_state, verdict.wrong_end_state[:10]
