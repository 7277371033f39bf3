"""The objects a Calendly account holds, kept in memory for one simulator run.

Everything the API, the hosted pages, the control routes and the webhook
payloads show is read from here, so a webhook and a later GET describe the same
invitee. Ids come from named streams of the hub (one stream per kind of
object), so the same seed and the same calls give the same UUIDs. URIs keep
Calendly's own form (``https://api.calendly.com/...``) because apps store and
compare them; every route accepts the bare UUID taken from such a URI.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import Any

from simulators.calendly.times import API_HOST
from simulators.hub import SimHub

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS = {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]} | {day: [] for day in WEEKDAYS[5:]}
WEBHOOK_EVENTS = (
    "invitee.created",
    "invitee.canceled",
    "invitee_no_show.created",
    "invitee_no_show.deleted",
    "routing_form_submission.created",
)


@dataclass
class Organization:
    uuid: str
    name: str
    created_at: float

    @property
    def uri(self) -> str:
        return f"{API_HOST}/organizations/{self.uuid}"


@dataclass
class User:
    uuid: str
    name: str
    slug: str
    email: str
    timezone: str
    created_at: float
    updated_at: float
    weekly_hours: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    extra_slots: set[float] = field(default_factory=set)  # UTC starts offered on top of the weekly hours
    blocked_slots: set[float] = field(default_factory=set)  # UTC starts never offered

    @property
    def uri(self) -> str:
        return f"{API_HOST}/users/{self.uuid}"


@dataclass
class EventType:
    uuid: str
    user_uuid: str
    name: str
    slug: str
    duration: int  # minutes
    kind: str  # solo | group
    invitees_limit: int
    active: bool
    redirect_url: str | None
    description: str | None
    color: str
    location: dict[str, Any]
    custom_questions: list[dict[str, Any]]
    created_at: float
    updated_at: float

    @property
    def uri(self) -> str:
        return f"{API_HOST}/event_types/{self.uuid}"


@dataclass
class Cancellation:
    canceled_by: str
    reason: str | None
    canceler_type: str  # host | invitee
    created_at: float


@dataclass
class ScheduledEvent:
    uuid: str
    event_type_uuid: str
    user_uuid: str
    name: str
    start: float
    end: float
    location: dict[str, Any]
    status: str  # active | canceled
    created_at: float
    updated_at: float
    invitee_uuids: list[str] = field(default_factory=list)
    event_guests: list[dict[str, Any]] = field(default_factory=list)
    cancellation: Cancellation | None = None

    @property
    def uri(self) -> str:
        return f"{API_HOST}/scheduled_events/{self.uuid}"


@dataclass
class Invitee:
    uuid: str
    event_uuid: str
    email: str
    name: str
    first_name: str | None
    last_name: str | None
    timezone: str | None
    status: str  # active | canceled
    created_at: float
    updated_at: float
    tracking: dict[str, str | None]
    text_reminder_number: str | None = None
    questions_and_answers: list[dict[str, Any]] = field(default_factory=list)
    rescheduled: bool = False
    old_invitee: str | None = None  # URI
    new_invitee: str | None = None  # URI
    routing_form_submission_uuid: str | None = None
    cancellation: Cancellation | None = None
    no_show_uuid: str | None = None

    @property
    def uri(self) -> str:
        return f"{API_HOST}/scheduled_events/{self.event_uuid}/invitees/{self.uuid}"


@dataclass
class NoShow:
    uuid: str
    invitee_uuid: str
    created_at: float

    @property
    def uri(self) -> str:
        return f"{API_HOST}/invitee_no_shows/{self.uuid}"


@dataclass
class RoutingForm:
    uuid: str
    name: str
    questions: list[dict[str, Any]]  # {uuid, name, type, required, answer_choices}
    created_at: float
    updated_at: float

    @property
    def uri(self) -> str:
        return f"{API_HOST}/routing_forms/{self.uuid}"


@dataclass
class RoutingFormSubmission:
    uuid: str
    form_uuid: str
    questions_and_answers: list[dict[str, Any]]
    tracking: dict[str, str | None]
    result: dict[str, Any]
    created_at: float
    updated_at: float
    submitter_invitee_uuid: str | None = None

    @property
    def uri(self) -> str:
        return f"{API_HOST}/routing_form_submissions/{self.uuid}"


@dataclass
class Subscription:
    uuid: str
    callback_url: str
    events: list[str]
    scope: str  # user | organization
    organization: str  # URI
    user: str | None  # URI (user scope)
    creator: str  # URI
    signing_key: str | None
    created_at: float
    updated_at: float
    state: str = "active"  # active | disabled
    retry_started_at: float | None = None
    delivery_ids: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"{API_HOST}/webhook_subscriptions/{self.uuid}"


@dataclass
class Config:
    rate_limit: dict[str, float] | None = None  # {limit, window_seconds}
    public_url: str | None = None  # base of cancel/reschedule/scheduling URLs instead of the request host
    default_signing_key: str | None = None  # used when a subscription is created without signing_key
    fail_next: dict[str, int] | None = None  # {status, times}: the next API calls answer this status


def bare_uuid(ref: object) -> str | None:
    """``https://api.calendly.com/.../<uuid>`` or ``<uuid>`` -> ``<uuid>``."""
    if not isinstance(ref, str) or not ref:
        return None
    if ref.startswith(API_HOST + "/"):
        return ref.rstrip("/").rsplit("/", 1)[-1]
    return ref


class CalendlyState:
    def __init__(self, hub: SimHub) -> None:
        self.hub = hub
        self.lock = threading.RLock()
        self.site_root = "http://localhost"  # updated from each request's host
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.config = Config()
            self.organization: Organization | None = None
            self.users: dict[str, User] = {}
            self.tokens: dict[str, str] = {}  # bearer token -> user uuid
            self.event_types: dict[str, EventType] = {}
            self.events: dict[str, ScheduledEvent] = {}
            self.invitees: dict[str, Invitee] = {}
            self.no_shows: dict[str, NoShow] = {}
            self.routing_forms: dict[str, RoutingForm] = {}
            self.submissions: dict[str, RoutingFormSubmission] = {}
            self.subscriptions: dict[str, Subscription] = {}
            self.rate_window: dict[str, tuple[float, int]] = {}  # token -> (window start, count)

    # --- ids and time -------------------------------------------------
    def new_uuid(self, kind: str) -> str:
        bits = self.hub.rng(f"calendly:id:{kind}").getrandbits(128)
        return str(uuid_module.UUID(int=bits, version=4))

    def new_token(self, user_uuid: str) -> str:
        """A personal access token shaped like Calendly's (a JWT), deterministic from the seed."""

        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()

        header = part({"kid": "sim", "typ": "PAT", "alg": "ES256"})
        body = part({"iss": "https://auth.calendly.com", "jti": self.new_uuid("token"), "user_uuid": user_uuid})
        return f"{header}.{body}.{self.hub.token_hex('calendly:token-signature', 32)}"

    def now(self) -> float:
        return self.hub.clock.now()

    @property
    def pages_root(self) -> str:
        """Base URL of the hosted pages (scheduling, cancel, reschedule)."""
        return (self.config.public_url or self.site_root).rstrip("/") + "/calendly"

    # --- organization and lookups ------------------------------------
    def ensure_organization(self) -> Organization:
        with self.lock:
            if self.organization is None:
                self.organization = Organization(self.new_uuid("organization"), "Simulated Organization", self.now())
            return self.organization

    def user(self, ref: object) -> User | None:
        """A user by URI, UUID or slug."""
        key = bare_uuid(ref)
        if key in self.users:
            return self.users[key]
        return next((u for u in self.users.values() if u.slug == key), None)

    def event_type(self, ref: object) -> EventType | None:
        return self.event_types.get(bare_uuid(ref) or "")

    def event_type_by_slug(self, user: User, slug: str) -> EventType | None:
        return next((t for t in self.event_types.values() if t.user_uuid == user.uuid and t.slug == slug), None)

    def event(self, ref: object) -> ScheduledEvent | None:
        return self.events.get(bare_uuid(ref) or "")

    def invitee(self, ref: object) -> Invitee | None:
        """An invitee by its full URI or its UUID."""
        return self.invitees.get(bare_uuid(ref) or "")

    def subscription(self, ref: object) -> Subscription | None:
        return self.subscriptions.get(bare_uuid(ref) or "")

    def no_show(self, ref: object) -> NoShow | None:
        return self.no_shows.get(bare_uuid(ref) or "")

    def routing_form(self, ref: object) -> RoutingForm | None:
        return self.routing_forms.get(bare_uuid(ref) or "")

    def submission(self, ref: object) -> RoutingFormSubmission | None:
        return self.submissions.get(bare_uuid(ref) or "")

    def host_of(self, event: ScheduledEvent) -> User:
        return self.users[event.user_uuid]

    def invitees_of(self, event: ScheduledEvent) -> list[Invitee]:
        return [self.invitees[i] for i in event.invitee_uuids]
