"""Contract cases: one interaction each, declared as data, exercised by the app's real code.

A case is data (provider states, request, response or message) plus the code
that drives the booking service against it: ``exercise(base_url)`` calls the
app's real provider client with the Pact mock server as its base URL, and
``consume(body, metadata)`` feeds a message to the app's real webhook handler.
Keeping the expectation as data lets a test rename one field of it and show
that the app's code then fails (``with_renamed_field``): the contract is what
the app reads, not what the test author hoped.

Each case runs in a ``Pact`` of its own, so a case can neither satisfy nor
break another's mock server; their files merge into one pact per provider.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pact.match.matcher import AbstractMatcher, GenericMatcher

from contracts.support.names import CONSUMER

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class State:
    """A provider state, with the parameters the provider needs to set it up."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str | AbstractMatcher
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # a dict/matcher (JSON) or a str (form-encoded, see content_type)
    content_type: str = JSON


@dataclass(frozen=True)
class Response:
    status: int
    body: Any = None
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Exchange:
    """One HTTP interaction: what the app sends and what the provider answers."""

    description: str
    request: Request
    response: Response
    states: tuple[State, ...] = ()
    pending: bool = False  # see MessageCase.pending


@dataclass(frozen=True)
class HttpCase:
    """One thing the app does against a provider API: its exchanges, in the order the app makes them."""

    provider: str
    exchanges: tuple[Exchange, ...]
    exercise: Callable[[str], None]  # drives the app's client at this base URL and asserts what it got

    @property
    def description(self) -> str:
        return self.exchanges[-1].description

    @property
    def id(self) -> str:
        return f"{self.provider}: {self.description}"


@dataclass(frozen=True)
class MessageCase:
    provider: str
    description: str
    contents: Any  # the message body (dict with matchers)
    consume: Callable[[bytes, dict[str, Any]], None]  # hands the message to the app's handler and asserts
    metadata: dict[str, Any] = field(default_factory=dict)
    states: tuple[State, ...] = ()
    # Pact's "pending": the app needs to handle it, the provider does not produce it yet. Its verification
    # result is reported but blocks neither the provider's build nor the deploy gate.
    pending: bool = False

    @property
    def id(self) -> str:
        return f"{self.provider}: {self.description}"


Case = HttpCase | MessageCase


def provider_state_path(example: str, pattern: str, expression: str) -> GenericMatcher:
    """A request path the provider fills in from its state (``${name}`` in ``expression``).

    The consumer's mock server sees ``example`` (and accepts any path matching
    ``pattern``); the provider verifier replays ``expression`` with the values
    the state handler returned, e.g. the id of the session it just created.
    """
    from pact import generate

    return GenericMatcher("regex", value=example, regex=pattern, generator=generate.provider_state(expression))


def _given(interaction, states: tuple[State, ...]) -> None:
    for state in states:
        if state.params:
            interaction.given(state.name, state.params)
        else:
            interaction.given(state.name)


def declare_http(pact, exchange: Exchange) -> None:
    interaction = pact.upon_receiving(exchange.description)
    _given(interaction, exchange.states)
    if exchange.pending:
        interaction.set_pending(pending=True)
    request = exchange.request
    interaction.with_request(request.method, request.path)
    for name, value in request.query.items():
        for item in value if isinstance(value, list) else [value]:
            interaction.with_query_parameter(name, item)
    for name, value in request.headers.items():
        interaction.with_header(name, value, "Request")
    if request.body is not None:
        interaction.with_body(request.body, request.content_type, "Request")
    interaction.will_respond_with(exchange.response.status)
    for name, value in exchange.response.headers.items():
        interaction.with_header(name, value, "Response")
    if exchange.response.body is not None:
        interaction.with_body(exchange.response.body, JSON, "Response")


def declare_message(pact, case: MessageCase) -> None:
    interaction = pact.upon_receiving(case.description, "Async")
    _given(interaction, case.states)
    if case.pending:
        interaction.set_pending(pending=True)
    interaction.with_body(case.contents, JSON)
    if case.metadata:
        interaction.with_metadata(case.metadata)


def run_case(case: Case, pact_dir: Path | None = None) -> None:
    """Run one case against a fresh Pact; on success merge its interaction into ``pact_dir``."""
    from pact import Pact

    pact = Pact(CONSUMER, case.provider).with_specification("V4")
    if isinstance(case, HttpCase):
        for exchange in case.exchanges:
            declare_http(pact, exchange)
        server = pact.serve(addr="127.0.0.1", raises=False, verbose=False)
        with server:  # the app's own failure, if any, propagates first: it says more than "request not made"
            case.exercise(str(server.url))
        if server.mismatches:
            from pact.error import MismatchesError

            raise MismatchesError(*server.mismatches)
    else:
        declare_message(pact, case)
        errors = pact.verify(case.consume, "Async", raises=False)
        if errors:  # the handler's own exception, with its traceback, rather than Pact's wrapper
            raise errors[0].error
    if pact_dir is not None:
        pact.write_file(pact_dir)


def _renamed(value: Any, old: str, new: str) -> tuple[Any, bool]:
    if isinstance(value, AbstractMatcher) and hasattr(value, "value"):
        inner, changed = _renamed(value.value, old, new)
        if not changed:
            return value, False
        clone = copy.copy(value)
        clone.value = inner
        return clone, True
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            renamed, inner_changed = _renamed(item, old, new)
            changed = changed or inner_changed or key == old
            result[new if key == old else key] = renamed
        return result, changed
    if isinstance(value, list):
        items = [_renamed(item, old, new) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def with_renamed_field(case: Case, old: str, new: str) -> Case:
    """The same case (under its own description) with every ``old`` key the provider sends renamed to ``new``."""
    suffix = f" (with {old} renamed to {new})"
    if isinstance(case, HttpCase):
        exchanges, changed = [], False
        for exchange in case.exchanges:
            body, renamed_here = _renamed(exchange.response.body, old, new)
            changed = changed or renamed_here
            exchanges.append(
                dataclasses.replace(
                    exchange,
                    description=exchange.description + suffix,
                    response=dataclasses.replace(exchange.response, body=body),
                )
            )
        renamed = dataclasses.replace(case, exchanges=tuple(exchanges))
    else:
        body, changed = _renamed(case.contents, old, new)
        renamed = dataclasses.replace(case, description=case.description + suffix, contents=body)
    if not changed:
        raise ValueError(f"{case.id} has no field {old!r} to rename")
    return renamed
