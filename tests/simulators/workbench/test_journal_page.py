"""The journal page at the simulators' root: filters, what each delivery shows, and a CSRF-safe resend."""

from __future__ import annotations

import re

import httpx
import pytest

from simulators.cli import main

pytestmark = [pytest.mark.webhook]


@pytest.fixture
def page(simulator, receiver, capsys):
    for provider in ("stripe", "calendly"):
        main(
            [
                "listen",
                "--forward-to",
                f"{receiver.url}/{provider}",
                "--provider",
                provider,
                "--no-follow",
                "--url",
                simulator.url,
            ]
        )
    receiver.respond_with(500)  # the first delivery fails and waits for its retry
    main(["trigger", "calendly", "invitee.created", "--url", simulator.url])
    main(["trigger", "stripe", "charge.refunded", "--url", simulator.url])
    main(["flush", "--url", simulator.url])
    capsys.readouterr()
    with httpx.Client(base_url=simulator.url, timeout=10) as client:
        yield client


def test_deliveries_newest_first_with_headers_body_signature_attempts_and_next_retry(page, simulator):
    html = page.get("/").text
    order = list(re.findall(r"<span>(invitee\.created|refund\.created|charge\.refunded)</span>", html))
    assert order[0] == "refund.created" and order[-1] == "invitee.created"
    failed = simulator.hub.engine.deliveries(provider="calendly")[0]
    assert failed.status == "failed"
    section = html[html.index(f'<details id="{failed.id}">') :].split("</details>")[0]
    assert "Calendly-Webhook-Signature" in section and "&#34;event&#34;:&#34;invitee.created&#34;" in section
    assert "<td>500</td>" in section and "UTC (virtual)" in section
    assert page.get("/").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_filters_by_provider_type_and_status(page):
    assert "invitee.created" not in page.get("/", params={"provider": "stripe"}).text.split("</form>", 1)[1]
    only_failed = page.get("/", params={"status": "failed"}).text.split("</form>", 1)[1]
    assert only_failed.count("<details") == 1 and "invitee.created" in only_failed
    by_type = page.get("/", params={"event_type": "charge.refunded"}).text.split("</form>", 1)[1]
    assert by_type.count("<details") == 1


def test_the_resend_button_needs_the_page_token(page, simulator, receiver):
    delivery = simulator.hub.engine.deliveries(provider="stripe")[0]
    before = len(simulator.hub.engine.deliveries())
    forged = page.post(f"/deliveries/{delivery.id}/resend")
    assert forged.status_code == 400 and len(simulator.hub.engine.deliveries()) == before
    html = page.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = page.post(f"/deliveries/{delivery.id}/resend", data={"csrf_token": token}, follow_redirects=True)
    assert answer.status_code == 200 and f"Resent {delivery.id} as dlv_" in answer.text
    [resent] = [d for d in simulator.hub.engine.deliveries(provider="stripe") if d.kind == "resend"]
    assert resent.body == delivery.body and resent.event_id == delivery.event_id
