"""A small in-process event bus: the domain says what happened, the subscribers act on it.

Domain code publishes an event (``booking_events``) into the open transaction's session;
the handlers ``create_app`` subscribed run there and then, in subscription order, inside that
transaction, so whatever they queue (refund requests, outbox mails) commits or rolls back with
the change itself. The bus reaches a session through the database's session info, so a
``Database`` used outside an app has no subscribers and a publish does nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

BUS_KEY = "booking_event_bus"

E = TypeVar("E")


class EventBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Callable[[Session, Any], None]]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[Session, E], None]) -> None:
        self._handlers[event_type].append(handler)

    def handlers(self, event_type: type) -> list[Callable[[Session, Any], None]]:
        return list(self._handlers.get(event_type, ()))

    def publish(self, session: Session, event: object) -> None:
        for handler in self.handlers(type(event)):
            handler(session, event)


def attach(session_info: dict[str, Any], bus: EventBus) -> None:
    """Make ``bus`` the one every new session of a database publishes to (``Database.session_info``)."""
    session_info[BUS_KEY] = bus


def publish(session: Session, event: object) -> None:
    bus = session.info.get(BUS_KEY)
    if bus is not None:
        bus.publish(session, event)
