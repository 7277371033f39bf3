"""Steps shared by every feature: refusals, and "nothing was written"."""

from __future__ import annotations

from pytest_bdd import parsers, then

from steps.support import World, page_text, slug


@then(parsers.parse('the request is refused with status {status:d} and the reason "{reason}"'))
def request_refused(visitor, status: int, reason: str):
    response = visitor.page
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:500]}"
    assert reason.lower() in page_text(response).lower(), f"{reason!r} not in the answer: {response.text[:800]}"


@then("no booking was written")
def no_booking_written(admin, world: World):
    if world.shared:  # a shared deployment counts every scenario's bookings: look at this scenario's builders
        for builder in world.builders():
            bookings = admin.get("/admin/api/bookings", params={"builder": slug(builder)}).json()["bookings"]
            assert bookings == [], bookings
        return
    stats = admin.get("/admin/api/stats").json()
    assert stats["bookings"] == 0, stats
    assert stats["slot_claims"] == 0, stats
