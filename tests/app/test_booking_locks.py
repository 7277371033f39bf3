"""The booking reference's lock key: what PostgreSQL's advisory lock takes, the same in every process and version."""

from __future__ import annotations

from app_under_test.booking_locks import lock_key

BIGINT = range(-(2**63), 2**63)  # pg_advisory_xact_lock(bigint)


def test_every_reference_has_a_key_postgresql_takes_and_no_two_share_one():
    references = [f"BK{n:06d}" for n in range(2000)] + ["", "ü-ref", "x" * 64]
    keys = [lock_key(reference) for reference in references]
    assert all(key in BIGINT for key in keys)
    assert len(set(keys)) == len(references)  # one booking never waits on another's lock


def test_the_key_of_a_reference_is_the_same_in_every_process_and_release():
    """During a rolling deploy the old and new app run side by side: both must lock the same key for a booking."""
    assert lock_key("bk-0001") == -7031178024126350148
    assert lock_key("BK7Q2XJ4") == -8252794231284772193
