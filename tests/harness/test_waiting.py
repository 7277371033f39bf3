"""A wait that times out says what it saw, not only what it waited for."""

from __future__ import annotations

import pytest

from harness.waiting import wait_until


def test_a_timed_out_wait_names_the_last_value_and_what_there_was_instead():
    with pytest.raises(AssertionError) as failure:
        wait_until(
            list,
            timeout=0.05,
            what="3 answered attempt(s)",
            seen=lambda: "stripe checkout.session.completed attempt 1 (original): 500",
        )

    message = str(failure.value)
    assert message.startswith("timed out after 0.05s waiting for 3 answered attempt(s); the last check returned []")
    assert "what there was instead: stripe checkout.session.completed attempt 1 (original): 500" in message


def test_a_failing_description_does_not_hide_the_timeout():
    def broken() -> str:
        raise ConnectionError("simulators gone")

    with pytest.raises(AssertionError, match=r"timed out .*\n\(could not read what there was: ConnectionError"):
        wait_until(lambda: None, timeout=0.01, what="anything", seen=broken)
