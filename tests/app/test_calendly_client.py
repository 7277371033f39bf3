"""The Calendly client and slot provider against the Calendly simulator over real HTTP.

Covers the typed errors (rate limit, outage, timeout, refusal), slots asked for
in 7-day chunks, lists read past their first page (in pages of 100), booking with the booking's id in the
tracking, the TLS trust (a certificate no trusted CA signed is refused; SSL_CERT_FILE names the CAs), and the
idempotent webhook registration (created, exists, replaced on demand, a
concurrent run's 409). Replacing a subscription Calendly disabled is a feature
scenario (features/calendly/recovery.feature).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app_under_test.availability import CalendarRefused, Invitee, SlotUnavailable
from app_under_test.calendly.client import (
    CalendlyAuthError,
    CalendlyClient,
    CalendlyNotFound,
    CalendlySlotProvider,
    CalendlyUnavailable,
)
from app_under_test.calendly.setup import find_subscription, register_webhook
from app_under_test.config import Config
from harness.simulator import start_simulator
from tests.app.log_capture import info_logs

pytestmark = [pytest.mark.calendly]
API = "https://api.calendly.com"
TOKEN = "cal_pat_client_tests"


@pytest.fixture(scope="module")
def sim():
    handle = start_simulator(seed=11, auto_deliver=False)
    yield handle
    handle.stop()


@pytest.fixture
def calendly(sim):
    """A reset simulator with the marketplace account and one host with a 30-minute event type."""
    sim.reset(11)
    control = sim.control()
    control.post("/calendly/users", json={"name": "Ops", "slug": "ops", "token": TOKEN}).raise_for_status()
    host = control.post("/calendly/users", json={"name": "Ada Stone", "slug": "ada", "timezone": "Europe/London"})
    event_type = control.post("/calendly/event_types", json={"user": "ada", "name": "Intro call", "duration": 30})
    client = CalendlyClient(f"{sim.url}/calendly", TOKEN)
    yield SimpleNamespace(
        client=client,
        control=control,
        host=host.json()["resource"],
        event_type=event_type.json()["resource"],
        url=sim.url,
    )
    client.close()
    control.close()


def session_type(calendly, uri: str | None = "default"):
    return SimpleNamespace(
        calendly_event_type_uri=calendly.event_type["uri"] if uri == "default" else uri, duration_minutes=30, id=1
    )


def test_slots_over_more_than_a_week_come_in_seven_day_chunks(calendly):
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC) + timedelta(hours=2)
    slots = provider.available_slots(session_type(calendly), start, start + timedelta(days=16))
    days = {slot.start.date() for slot in slots}
    assert len(days) >= 10, days  # weekdays across three chunks (7 + 7 + 2 days)
    assert all(start <= slot.start < start + timedelta(days=16) for slot in slots)
    assert [s.start for s in slots] == sorted({s.start for s in slots})  # chunk edges counted once
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_a_session_type_without_an_event_type_offers_nothing(calendly):
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC)
    assert provider.available_slots(session_type(calendly, None), start, start + timedelta(days=7)) == []


def test_an_event_type_deleted_on_calendly_offers_nothing_instead_of_failing(calendly):
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC)
    gone = session_type(calendly, "https://api.calendly.com/event_types/deleted-long-ago")
    assert provider.available_slots(gone, start, start + timedelta(days=7)) == []


def test_a_time_calendly_lists_without_its_remaining_places_has_room_for_one_invitee():
    """Calendly's own answers always count the places left; an answer that does not (a proxy's trimmed copy, an
    older API) offers a one-on-one time, never room for a second invitee."""
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "collection": [
                    {"status": "available", "start_time": "2027-01-04T12:00:00.000000Z"},
                    {"status": "available", "start_time": "2027-01-04T13:00:00.000000Z", "invitees_remaining": 3},
                ]
            },
        )

    client = CalendlyClient("https://calendly.invalid", TOKEN, transport=httpx.MockTransport(answer))
    intro = SimpleNamespace(calendly_event_type_uri=f"{API}/event_types/ET", duration_minutes=30, id=1)
    slots = CalendlySlotProvider(client, now=lambda: now).available_slots(intro, now, now + timedelta(days=1))
    client.close()
    assert [(slot.start.hour, slot.remaining) for slot in slots] == [(12, 1), (13, 3)]


def test_a_session_type_without_an_event_type_cannot_be_booked_and_calendly_is_not_asked(calendly):
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(SlotUnavailable, match=r"^this session type has no Calendly event type$"):
        provider.book(session_type(calendly, None), start, Invitee("Grace", "grace@example.com", "UTC"), "ref-1")
    assert calendly.control.get("/calendly/state").json()["invitees"] == []


def test_a_list_longer_than_one_page_is_read_to_its_end(calendly):
    """Reconciliation and the webhook registration read Calendly's lists page by page (100 items a page): an
    organization with more scheduled events than a page holds is checked to the last one."""
    for name in ("Deep dive", "Review"):
        calendly.control.post(
            "/calendly/event_types", json={"user": "ada", "name": name, "duration": 60}
        ).raise_for_status()
    listed = calendly.client.collection("/event_types", user=calendly.host["uri"], count=2)
    assert sorted(event_type["name"] for event_type in listed) == ["Deep dive", "Intro call", "Review"]


def test_a_list_of_up_to_a_hundred_items_costs_one_request(calendly):
    """Calendly answers 20 items a page unless asked for more (100 at most), and every page counts against its rate
    limit: the client asks for full pages, so 25 event types are read in one request, not two."""
    for number in range(24):
        calendly.control.post(
            "/calendly/event_types", json={"user": "ada", "name": f"Session {number}", "duration": 30}
        ).raise_for_status()
    calendly.control.post(
        "/calendly/config", json={"rate_limit": {"limit": 1, "window_seconds": 60}}
    ).raise_for_status()
    listed = list(calendly.client.collection("/event_types", user=calendly.host["uri"]))
    assert len(listed) == 25


def test_booking_carries_the_booking_id_and_a_taken_slot_is_unavailable(calendly):
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC) + timedelta(hours=2)
    slot = provider.available_slots(session_type(calendly), start, start + timedelta(days=7))[0]
    booked = provider.book(session_type(calendly), slot.start, Invitee("Grace", "grace@example.com", "UTC"), "ref-1")
    invitee = calendly.client.invitee(booked.invitee_uri)
    assert invitee["tracking"]["utm_content"] == "ref-1" and invitee["tracking"]["utm_source"] == "booking-app"
    assert invitee["event"] == booked.event_uri
    with pytest.raises(SlotUnavailable):
        provider.book(session_type(calendly), slot.start, Invitee("Ben", "ben@example.com", "UTC"), "ref-2")


def test_a_booking_calendly_refuses_for_another_reason_is_raised_to_the_operator(calendly):
    """Not a taken slot (that is the client's to pick again) but a refusal the client cannot fix: the booking fails
    as the calendar refusing it, and an error log line the operator's alert matches names Calendly's answer."""
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC) + timedelta(hours=2)
    slot = provider.available_slots(session_type(calendly), start, start + timedelta(days=7))[0]
    calendly.control.post("/calendly/config", json={"fail_next": {"status": 400, "times": 1}})
    with info_logs() as logs, pytest.raises(CalendarRefused):
        provider.book(session_type(calendly), slot.start, Invitee("Grace", "grace@example.com", "UTC"), "ref-9")
    [alert] = [line for line in logs if line["log_level"] == "error"]
    assert (alert["event"], alert["status"], alert["title"], alert["message"]) == (
        "calendly_refused_booking",
        400,
        "Internal Server Error",  # the simulator's words for every fault it is told to answer
        "The server encountered an unexpected condition.",
    )


def test_an_availability_request_calendly_refuses_is_raised_to_the_operator(calendly):
    """A refusal that is neither a deleted event type nor a start time Calendly calls past: the slot picker fails
    as the calendar refusing it, and the error line the operator's alert matches names Calendly's answer."""
    provider = CalendlySlotProvider(calendly.client)
    start = datetime.now(UTC) + timedelta(hours=2)
    calendly.control.post("/calendly/config", json={"fail_next": {"status": 403, "times": 1}})
    with info_logs() as logs, pytest.raises(CalendarRefused, match=r"^Calendly refused the availability request: 403 "):
        provider.available_slots(session_type(calendly), start, start + timedelta(days=7))
    [alert] = [line for line in logs if line["log_level"] == "error"]
    assert (alert["event"], alert["status"], alert["title"], alert["message"]) == (
        "calendly_refused_availability",
        403,
        "Internal Server Error",
        "The server encountered an unexpected condition.",
    )


@pytest.mark.parametrize("status", [500, 503])
def test_an_outage_is_calendar_unavailable(calendly, status):
    calendly.control.post("/calendly/config", json={"fail_next": {"status": status, "times": 1}})
    with pytest.raises(CalendlyUnavailable) as caught:
        calendly.client.me()
    assert caught.value.status == status
    assert calendly.client.me()["slug"] == "ops"  # the next call goes through


def test_a_rate_limit_is_calendar_unavailable(calendly):
    calendly.control.post("/calendly/config", json={"rate_limit": {"limit": 1, "window_seconds": 60}})
    calendly.client.get("/users/me")
    with pytest.raises(CalendlyUnavailable) as caught:
        calendly.client.get("/users/me")
    assert caught.value.status == 429


def test_a_timeout_and_a_refused_connection_are_calendar_unavailable():
    def hang(request):
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(CalendlyUnavailable):
        CalendlyClient("http://calendly.invalid", TOKEN, transport=httpx.MockTransport(hang)).me()
    with pytest.raises(CalendlyUnavailable):
        CalendlyClient("http://127.0.0.1:9", TOKEN).me()  # the discard port: nothing listens


class _UsersMe(BaseHTTPRequestHandler):
    """Calendly's ``GET /users/me``, over the TLS the server wraps it in."""

    def do_GET(self) -> None:
        body = json.dumps({"resource": {"slug": "ops"}}).encode()
        self.send_response(200 if self.path == "/users/me" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _throwaway_ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A CA no trust store holds. ``name`` lowercase, so that its DER is OpenSSL's canonical form (see below)."""
    key, now = ec.generate_private_key(ec.SECP256R1()), datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return ca, key


def _https_server(ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, folder: Path) -> ThreadingHTTPServer:
    """An HTTPS server on a free port of 127.0.0.1, presenting a certificate ``ca`` signed, serving in a thread."""
    key, now = ec.generate_private_key(ec.SECP256R1()), datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir()
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _UsersMe)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def https_calendly(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """Two Calendly look-alikes over HTTPS, each with a certificate of its own throwaway CA.

    The first CA is written as a bundle (``ca_file``, for SSL_CERT_FILE); the second in a directory of CAs as
    OpenSSL looks them up (``ca_dir``, for SSL_CERT_DIR: ``<subject hash>.0``, the hash being the first four bytes,
    little-endian, of the SHA-1 of the subject's canonical DER: for a lowercase UTF-8 name, its DER without the
    outer SEQUENCE header).
    """
    folder = tmp_path_factory.mktemp("tls")
    (first, first_key), (second, second_key) = _throwaway_ca("throwaway ca one"), _throwaway_ca("throwaway ca two")
    ca_file, ca_dir = folder / "bundle.pem", folder / "ca-dir"
    ca_file.write_bytes(first.public_bytes(serialization.Encoding.PEM))
    ca_dir.mkdir()
    subject_hash = int.from_bytes(hashlib.sha1(second.subject.public_bytes()[2:]).digest()[:4], "little")
    (ca_dir / f"{subject_hash:08x}.0").write_bytes(second.public_bytes(serialization.Encoding.PEM))
    servers = [_https_server(first, first_key, folder / "one"), _https_server(second, second_key, folder / "two")]
    yield SimpleNamespace(
        vouched_by_file=f"https://127.0.0.1:{servers[0].server_port}",
        vouched_by_dir=f"https://127.0.0.1:{servers[1].server_port}",
        ca_file=ca_file,
        ca_dir=ca_dir,
    )
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_calendly_client_trusts_the_ca_bundle_named_in_ssl_cert_file_and_no_other(https_calendly):
    """A server whose certificate no trusted CA signed could be anyone between the app and Calendly: the client
    refuses it (the API token is never sent) and reports Calendly as unreachable. The operator may start the app
    with SSL_CERT_FILE naming the CAs to trust (a TLS-inspecting proxy's, say): a server that bundle vouches for is
    then reached, and the bundle replaces the trust store rather than adding to it, so a CA found elsewhere (here
    the SSL_CERT_DIR that OpenSSL alone would also read) is still refused. That part runs in a process of its own,
    started with the variables set, as the operator's app is (it reads them once per process)."""
    for url in (https_calendly.vouched_by_file, https_calendly.vouched_by_dir):
        client = CalendlyClient(url, TOKEN)
        with pytest.raises(CalendlyUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            client.me()
        client.close()

    script = (
        "import sys\n"
        "from app_under_test.calendly.client import CalendlyClient, CalendlyUnavailable\n"
        "for url in sys.argv[1:]:\n"
        "    try:\n"
        "        print(CalendlyClient(url, 'token').me()['slug'])\n"
        "    except CalendlyUnavailable as exc:\n"
        "        print('refused' if 'CERTIFICATE_VERIFY_FAILED' in str(exc) else exc)\n"
    )
    env = {**os.environ, "SSL_CERT_FILE": str(https_calendly.ca_file), "SSL_CERT_DIR": str(https_calendly.ca_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script, https_calendly.vouched_by_file, https_calendly.vouched_by_dir],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.split()) == (0, ["ops", "refused"]), done.stderr[-2000:]


def test_a_wrong_token_and_an_unknown_resource_are_typed_refusals(calendly):
    with pytest.raises(CalendlyAuthError):
        CalendlyClient(f"{calendly.url}/calendly", "not-a-token").me()
    with pytest.raises(CalendlyNotFound):
        calendly.client.get("/scheduled_events/no-such-event")
    assert calendly.client.invitee("https://api.calendly.com/scheduled_events/x/invitees/y") is None


def config(calendly, key: str = "whsec-like-key") -> Config:
    return Config(public_base_url="https://bookings.example.com", calendly_webhook_signing_key=key)


def test_registration_is_idempotent_and_force_replaces_the_subscription(calendly):
    first = register_webhook(calendly.client, config(calendly))
    assert first["status"] == "created"
    assert first["subscription"]["callback_url"] == "https://bookings.example.com/webhooks/calendly"
    assert first["subscription"]["scope"] == "organization" and len(first["subscription"]["events"]) == 5
    assert register_webhook(calendly.client, config(calendly))["status"] == "exists"
    state = calendly.control.get("/calendly/state").json()
    assert [s["signing_key"] for s in state["webhook_subscriptions"]] == ["whsec-like-key"]
    forced = register_webhook(calendly.client, config(calendly, key="rotated"), force=True)
    assert forced["status"] == "recreated" and forced["subscription"]["uri"] != first["subscription"]["uri"]
    state = calendly.control.get("/calendly/state").json()
    assert [s["signing_key"] for s in state["webhook_subscriptions"]] == ["rotated"]


def test_concurrent_registrations_make_one_subscription(calendly):
    results: list[str] = []
    barrier = threading.Barrier(5)

    def run():
        client = CalendlyClient(f"{calendly.url}/calendly", TOKEN)
        barrier.wait(timeout=10)
        results.append(register_webhook(client, config(calendly))["status"])
        client.close()

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["created"] + ["exists"] * 4
    assert find_subscription(calendly.client, config(calendly))["state"] == "active"


def test_registration_refuses_to_subscribe_without_a_signing_key(calendly):
    with pytest.raises(ValueError, match="SIGNING_KEY"):
        register_webhook(calendly.client, config(calendly, key=""))
