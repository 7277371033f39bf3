"""Everything the simulated SendGrid account holds: settings, faults, templates, sent mail.

One ``SendGridState`` per hub, shared by the provider app (``app.py``) and the
control blueprint (``control.py``), found with ``state_for(hub)``. A hub reset
clears what a scenario leaves behind (inbox, suppressions, faults, templates
created through an API, ids) and reloads the project's default templates;
account settings (API keys, size limit, webhook URL, bounce patterns) survive
it, as they would survive on a real account between two test runs.
"""

from __future__ import annotations

import base64
import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from simulators.hub import SimHub
from simulators.sendgrid.signing import derive_private_key, public_key_base64
from simulators.sendgrid.template_store import DEFAULT_TEMPLATES_DIR, TemplateStore

DEFAULT_MAX_BODY_BYTES = 30 * 1024 * 1024  # SendGrid's total message size limit
EVENT_KINDS = ("processed", "delivered", "bounce", "dropped", "deferred")


@dataclass
class Config:
    api_keys: list[str] = field(default_factory=list)  # empty: any non-empty bearer token is accepted
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    event_webhook_url: str | None = None
    event_webhook_enabled: bool = False
    event_kinds: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(EVENT_KINDS, True))
    bounce_addresses: list[str] = field(default_factory=list)  # exact addresses or fnmatch patterns
    deferred_addresses: list[str] = field(default_factory=list)  # deferred once, then delivered
    blocked_addresses: list[str] = field(default_factory=list)  # refused for now: a bounce of type "blocked"
    unknown_template: str = "reject"  # "reject": 400 at send time; "drop": 202 then a dropped event (real SendGrid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_keys": list(self.api_keys),
            "max_body_bytes": self.max_body_bytes,
            "event_webhook_url": self.event_webhook_url,
            "event_webhook_enabled": self.event_webhook_enabled,
            "event_kinds": dict(self.event_kinds),
            "bounce_addresses": list(self.bounce_addresses),
            "deferred_addresses": list(self.deferred_addresses),
            "blocked_addresses": list(self.blocked_addresses),
            "unknown_template": self.unknown_template,
        }


@dataclass
class Fault:
    status: int  # 429, 500 or 503
    remaining: int | None  # None: until cleared ("down")


@dataclass
class InboxEntry:
    """One recipient's copy of an accepted message (a send to 3 addresses makes 3 entries)."""

    id: str
    message_id: str  # the X-Message-Id of the request
    to: str
    to_name: str | None
    recipient_type: str  # to | cc | bcc
    personalization_index: int
    from_email: str
    from_name: str | None
    reply_to: str | None
    subject: str
    html: str
    text: str
    template_id: str | None
    template_version_id: str | None
    dynamic_template_data: dict[str, Any]
    missing_variables: list[str]
    render_errors: list[str]
    categories: list[str]
    custom_args: dict[str, str]
    headers: dict[str, str]
    request_json: dict[str, Any]
    request_headers: dict[str, str]
    virtual_time: float
    real_time: float
    status: str = "processed"  # processed | delivered | bounce | dropped | deferred
    events: list[str] = field(default_factory=list)  # sg_event_id of every event emitted for this copy

    def to_dict(self, *, with_request: bool = True) -> dict[str, Any]:
        data = dict(self.__dict__)
        if not with_request:
            data.pop("request_json")
            data.pop("request_headers")
        return data


def matches_any(email: str, patterns: list[str]) -> bool:
    address = email.lower()
    return any(fnmatch.fnmatchcase(address, pattern.lower()) for pattern in patterns)


class SendGridState:
    def __init__(self, hub: SimHub) -> None:
        self.hub = hub
        self.lock = threading.RLock()
        self.config = Config()
        self.faults: list[Fault] = []
        self.inbox: list[InboxEntry] = []
        self.suppressed_bounces: dict[str, float] = {}  # address -> virtual time of the bounce
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.templates = TemplateStore(
            new_template_id=lambda: "d-" + hub.token_hex("sendgrid.template_id", 16),
            new_version_id=self._new_version_id,
            now=hub.clock.now,
        )
        self.templates.load_folder(DEFAULT_TEMPLATES_DIR)

    def _new_version_id(self) -> str:
        raw = self.hub.token_hex("sendgrid.template_version_id", 16)
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"

    def new_message_id(self) -> str:
        """An X-Message-Id: 22 url-safe base64 characters, like SendGrid's."""
        raw = self.hub.rng("sendgrid.message_id").getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def new_event_id(self) -> str:
        raw = self.hub.rng("sendgrid.event_id").getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    # --- webhook keys ---------------------------------------------------------------------------------------------
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        with self.lock:
            if "real" not in self._keys:
                self._keys["real"] = derive_private_key(self.hub.rng("sendgrid.event_webhook_key"))
            return self._keys["real"]

    def wrong_private_key(self) -> ec.EllipticCurvePrivateKey:
        with self.lock:
            if "wrong" not in self._keys:
                self._keys["wrong"] = derive_private_key(self.hub.rng("sendgrid.event_webhook_wrong_key"))
            return self._keys["wrong"]

    def public_key(self) -> str:
        return public_key_base64(self.private_key())

    # --- faults ---------------------------------------------------------------------------------------------------
    def take_fault(self) -> Fault | None:
        """The fault that applies to this request, if any (consuming one use of a counted fault)."""
        with self.lock:
            while self.faults:
                fault = self.faults[0]
                if fault.remaining is None:
                    return fault
                if fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.pop(0)
                    return fault
                self.faults.pop(0)
            return None

    # --- inbox ----------------------------------------------------------------------------------------------------
    def add_entries(self, entries: list[InboxEntry]) -> None:
        with self.lock:
            self.inbox.extend(entries)

    def find_entries(
        self,
        *,
        to: str | None = None,
        template_id: str | None = None,
        subject_contains: str | None = None,
        since: float | None = None,
        message_id: str | None = None,
    ) -> list[InboxEntry]:
        with self.lock:
            entries = list(self.inbox)
        if to:
            entries = [e for e in entries if e.to.lower() == to.lower()]
        if template_id:
            entries = [e for e in entries if e.template_id == template_id]
        if subject_contains:
            entries = [e for e in entries if subject_contains.lower() in e.subject.lower()]
        if since is not None:
            entries = [e for e in entries if e.virtual_time >= since]
        if message_id:
            entries = [e for e in entries if e.message_id == message_id]
        return entries

    def entry(self, entry_id: str) -> InboxEntry | None:
        with self.lock:
            return next((e for e in self.inbox if e.id == entry_id), None)

    def clear_inbox(self) -> None:
        with self.lock:
            self.inbox.clear()

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.inbox.clear()
            self.suppressed_bounces.clear()
            self._keys.clear()
            self.templates.clear()
            self.templates.load_folder(DEFAULT_TEMPLATES_DIR)


def state_for(hub: SimHub) -> SendGridState:
    """The hub's SendGrid state, created (and registered for resets) on first use."""

    def create() -> SendGridState:
        state = SendGridState(hub)
        hub.on_reset(state.reset)
        return state

    return hub.provider_state(SendGridState, create)
