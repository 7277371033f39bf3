"""Steps shared by every feature: refusals, and "nothing was written"."""

from __future__ import annotations

from pytest_bdd import parsers, then

from steps.support import page_text


@then(parsers.parse('the request is refused with status {status:d} and the reason "{reason}"'))
def request_refused(visitor, status: int, reason: str):
    response = visitor.page
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:500]}"
    assert reason.lower() in page_text(response).lower(), f"{reason!r} not in the answer: {response.text[:800]}"


@then("no booking was written")
def no_booking_written(admin):
    stats = admin.get("/admin/api/stats").json()
    assert stats["bookings"] == 0, stats
    assert stats["slot_claims"] == 0, stats
