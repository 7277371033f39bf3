"""Calendly API v2, as the booking service uses it: a small httpx client and the Calendly slot provider.

The client turns Calendly's answers into typed exceptions, so callers decide by
kind, not by status code: a rate limit, a 5xx, a timeout or a refused
connection is ``CalendlyUnavailable`` (also a ``CalendarUnavailable``: the
client may simply retry), a refusal of the request itself is
``CalendlyRequestError`` (a bug or bad data: retrying the same call cannot help).

``CalendlySlotProvider`` implements ``availability.SlotProvider`` on top of it:
slots come from ``/event_type_available_times`` (at most 7 days per call, so
longer ranges are asked for in chunks) and a booking is ``POST /invitees``
carrying the booking's public id in ``tracking.utm_content``, which is how the
``invitee.created`` webhook that follows finds the booking again.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from flask import current_app, has_app_context

from app_under_test.availability import (
    BOOKING_HORIZON,
    MINIMUM_NOTICE,
    CalendarBooking,
    CalendarRefused,
    CalendarUnavailable,
    Invitee,
    Slot,
    SlotUnavailable,
)
from app_under_test.config import Config
from app_under_test.models import SessionType
from app_under_test.timeutil import parse_utc_iso, utcnow

log = structlog.get_logger("calendly")
MAX_RANGE = timedelta(days=7)  # Calendly refuses longer /event_type_available_times ranges
PAST_START_STEP = timedelta(minutes=15)  # first move forward when Calendly calls a start time past
UTM_SOURCE = "booking-app"  # tracking.utm_source of every invitee this app books
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: httpx would read the CA bundle again (~20 ms) for every app built."""
    return httpx.create_ssl_context()


class CalendlyError(Exception):
    """Calendly answered with an error (or not at all)."""

    def __init__(self, status: int | None, title: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(f"Calendly {status or 'unreachable'}: {title}: {message}")
        self.status, self.title, self.message, self.details = status, title, message, details or []

    def mentions(self, parameter: str) -> bool:
        return any(isinstance(d, dict) and d.get("parameter") == parameter for d in self.details)


class CalendlyUnavailable(CalendlyError, CalendarUnavailable):
    """Rate limited, failing (5xx), slow or unreachable: worth retrying later."""


class CalendlyRequestError(CalendlyError):
    """Calendly refused the request itself (4xx other than 429)."""


class CalendlyAuthError(CalendlyRequestError):
    """The API token is missing, wrong or revoked (401/403 on authentication)."""


class CalendlyNotFound(CalendlyRequestError):
    pass


class CalendlyConflict(CalendlyRequestError):
    pass


def iso(value: datetime) -> str:
    """Calendly's own time format: UTC with microseconds and a Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def path_of(uri: str) -> str:
    """``https://api.calendly.com/scheduled_events/X`` -> ``/scheduled_events/X`` (works against any base)."""
    return urlsplit(uri).path


def _error(response: httpx.Response) -> CalendlyError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    title = str(body.get("title") or response.reason_phrase)
    message = str(body.get("message") or response.text[:200])
    details = body.get("details") if isinstance(body.get("details"), list) else []
    status = response.status_code
    if status == 429 or status >= 500:
        return CalendlyUnavailable(status, title, message, details)
    kind = {401: CalendlyAuthError, 404: CalendlyNotFound, 409: CalendlyConflict}.get(status, CalendlyRequestError)
    return kind(status, title, message, details)


class CalendlyClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            verify=_tls_context(),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        self._me: dict[str, Any] | None = None

    @classmethod
    def from_config(cls, config: Config) -> CalendlyClient:
        return cls(config.calendly_api_base, config.calendly_api_token)

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as exc:
            raise CalendlyUnavailable(None, "Timeout", f"{method} {path} timed out") from exc
        except httpx.TransportError as exc:
            raise CalendlyUnavailable(None, "Unreachable", f"{method} {path}: {exc}") from exc
        if response.status_code >= 400:
            raise _error(response)
        if response.status_code == 204 or not response.content:
            return {}
        answer: dict[str, Any] = response.json()  # Calendly answers with a JSON object
        return answer

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, body=body)

    def delete(self, path: str) -> dict[str, Any]:
        return self.request("DELETE", path)

    def collection(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, following ``next_page_token``."""
        params = {"count": 100, **params}
        while True:
            page = self.get(path, **params)
            yield from page.get("collection") or []
            token = (page.get("pagination") or {}).get("next_page_token")
            if not token:
                return
            params["page_token"] = token

    def me(self) -> dict[str, Any]:
        """The token's own user (``current_organization`` names the organization); asked once."""
        if self._me is None:
            self._me = self.get("/users/me")["resource"]
        return self._me

    def invitee(self, uri: str) -> dict[str, Any] | None:
        """The invitee resource as Calendly holds it now (None when it does not exist)."""
        try:
            resource: dict[str, Any] = self.get(path_of(uri))["resource"]
        except CalendlyNotFound:
            return None
        return resource

    def close(self) -> None:
        self._http.close()


def app_client() -> CalendlyClient | None:
    """The app's Calendly client (one per app), or None when no API token is configured."""
    if not has_app_context():
        return None
    config: Config = current_app.extensions["booking_config"]
    if not config.calendly_api_token:
        return None
    client: CalendlyClient | None = current_app.extensions.get("calendly_client")
    if client is None:
        client = current_app.extensions.setdefault("calendly_client", CalendlyClient.from_config(config))
    return client


@dataclass
class CalendlySlotProvider:
    """Slots and bookings from Calendly; a session type without an event type URI offers nothing."""

    client: CalendlyClient
    now: Callable[[], datetime] = utcnow

    @classmethod
    def from_config(cls, config: Config) -> CalendlySlotProvider:
        return cls(CalendlyClient.from_config(config))

    def available_slots(self, session_type: SessionType, start: datetime, end: datetime) -> list[Slot]:
        event_type = session_type.calendly_event_type_uri
        now = self.now()
        earliest, latest = max(start, now + MINIMUM_NOTICE), min(end, now + BOOKING_HORIZON)
        if not event_type or earliest >= latest:
            return []
        duration = timedelta(minutes=session_type.duration_minutes)
        found: dict[datetime, Slot] = {}
        cursor, step = earliest, PAST_START_STEP
        while cursor < latest:
            chunk_end = min(cursor + MAX_RANGE, latest)
            try:
                answer = self.client.get(
                    "/event_type_available_times",
                    event_type=event_type,
                    start_time=iso(cursor),
                    end_time=iso(chunk_end),
                )
            except CalendlyNotFound:  # the event type was deleted on Calendly: nothing to offer
                log.warning("calendly_event_type_missing", event_type=event_type, session_type=session_type.id)
                return []
            except CalendlyRequestError as exc:
                if exc.status != 400 or not exc.mentions("start_time"):
                    log.error("calendly_refused_availability", status=exc.status, title=exc.title, message=exc.message)
                    raise CalendarRefused(
                        f"Calendly refused the availability request: {exc.status} {exc.title}"
                    ) from exc
                # Calendly's clock is ahead of ours and calls this start past: what lies before its "now" cannot
                # be booked anyway, so ask again from further on (doubling steps: a few requests at most).
                log.info(
                    "calendly_start_time_in_its_past", start_time=iso(cursor), retry_after_seconds=step.total_seconds()
                )
                cursor, step = cursor + step, step * 2
                continue
            for item in answer.get("collection") or []:
                if item.get("status") != "available":
                    continue
                slot_start = parse_utc_iso(item["start_time"])
                if earliest <= slot_start < latest:  # Calendly's end_time is inclusive; ours is not
                    found[slot_start] = Slot(slot_start, slot_start + duration, int(item.get("invitees_remaining", 1)))
            cursor = chunk_end
        return [found[key] for key in sorted(found)]

    def book(
        self, session_type: SessionType, slot_start: datetime, invitee: Invitee, booking_ref: str
    ) -> CalendarBooking:
        if not session_type.calendly_event_type_uri:
            raise SlotUnavailable("this session type has no Calendly event type")
        body = {
            "event_type": session_type.calendly_event_type_uri,
            "start_time": iso(slot_start),
            "invitee": {"name": invitee.name, "email": invitee.email, "timezone": invitee.timezone},
            "tracking": {"utm_source": UTM_SOURCE, "utm_content": booking_ref},
        }
        try:
            resource = self.client.post("/invitees", body)["resource"]
        except CalendlyRequestError as exc:
            if exc.status in (400, 409, 422) and (exc.mentions("start_time") or "not available" in str(exc)):
                raise SlotUnavailable(exc.message) from exc
            log.error("calendly_refused_booking", status=exc.status, title=exc.title, message=exc.message)
            raise CalendarRefused(f"Calendly refused the booking request: {exc.status} {exc.title}") from exc
        return CalendarBooking(event_uri=resource.get("event"), invitee_uri=resource.get("uri"))
