"""Handlebars rendering as SendGrid's dynamic templates do it, on top of pybars3.

pybars gives the Handlebars language; this module adds what SendGrid adds and
what pybars does differently from Handlebars.js:

- SendGrid's helper set (``template_helpers``), ``{{else if}}`` chains
  (``else_chains``), and lookups that only ever see JSON properties.
- Values print as JavaScript would: ``1.0`` as ``1``, ``true``/``false``,
  arrays as ``a,b``, objects as ``[object Object]``, missing values as nothing.
- ``{{var}}`` is HTML-escaped (``& < > " ' ```), ``{{{var}}}`` is not; the
  subject and the text part are escaped too, as on SendGrid (its docs tell
  authors to use triple braces in subjects).

Besides the text, every render reports the variables that were printed (or
fed to ``formatDate``/``insert`` without a default) but missing from the data,
so a test can assert that a mail has no empty placeholders. Conditions and
loops over missing values are not reported: ``{{#if coupon}}`` is normal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pybars
from pybars import _compiler as pybars_compiler

from simulators.sendgrid import render_session
from simulators.sendgrid.else_chains import check_block_structure, desugar_else_chains
from simulators.sendgrid.template_helpers import HELPERS, js_string

_compiled: dict[str, Callable[..., Any]] = {}
_compile_lock = threading.Lock()
_COMPILED_CACHE_LIMIT = 512


class TemplateSyntaxError(ValueError):
    """The template source is not valid Handlebars."""


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)
    error: str | None = None  # a runtime failure (unknown helper...): the text is then empty


def _path_name(segments: tuple[str, ...]) -> str:
    names = [segment for segment in segments if segment]
    if segments and segments[0] == "":
        names.insert(0, "this")
    return ".".join(names) or "this"


def _scope_get(scope: pybars_compiler.Scope, name: str) -> Any:
    specials = {
        "@root": scope.root,
        "@_parent": scope.parent,
        "@index": scope.index,
        "@key": scope.key,
        "@first": scope.first,
        "@last": scope.last,
    }
    if name in specials and (specials[name] is not None or name in ("@root", "@_parent")):
        return specials[name]
    if name == "this":
        return scope.context
    if scope.overrides and name in scope.overrides:
        return scope.overrides[name]
    return _pick(scope.context, name)


def _pick(context: Any, name: str) -> Any:
    """A property of a JSON value, never a Python attribute (``{{items}}`` must not find ``dict.items``)."""
    if isinstance(context, pybars_compiler.Scope):
        return _scope_get(context, name)
    if isinstance(context, dict):
        return context.get(name)
    if isinstance(context, (list, tuple, str)):
        if name == "length":
            return len(context)
        if isinstance(context, str) or not name.isdigit():
            return None
        index = int(name)
        return context[index] if index < len(context) else None
    return None


def _resolve(context: Any, *segments: str) -> Any:
    if segments == ("",) and isinstance(context, pybars_compiler.Scope):
        return context.context
    carry_data = False
    for given in segments:
        segment = given
        if carry_data:  # pybars spells ``../@index`` as ``@@_parent``, ``index``
            carry_data, segment = False, f"@{segment}"
        if len(segment) > 1 and segment.startswith("@@"):
            segment, carry_data = segment[1:], True
        if context is None:
            return None
        if segment in (None, ""):
            continue
        context = _pick(context, segment)
    return context


def _tracking_resolve(context: Any, *segments: Any) -> Any:
    value = _resolve(context, *segments)
    if value is None:
        render_session.note_empty(_path_name(segments))
    return value


def _tracking_prepare(value: Any, should_escape: bool) -> Any:
    render_session.flush_pending(record=value is None or value == "")
    if type(value) is pybars_compiler.strlist:
        return value
    text = js_string(value)
    return pybars_compiler.escape(text) if should_escape else text


def compile_template(source: str) -> Callable[..., Any]:
    """Compile (cached by source) and wire the tracking hooks into the generated module."""
    with _compile_lock:
        cached = _compiled.get(source)
        if cached is not None:
            return cached
        try:
            check_block_structure(source)
            template: Callable[..., Any] = pybars.Compiler().compile(desugar_else_chains(source))
        except Exception as exc:  # pybars raises its grammar's own error types
            raise TemplateSyntaxError(f"invalid Handlebars template: {exc}") from exc
        module_globals = template.__globals__
        module_globals["resolve"] = _tracking_resolve
        module_globals["prepare"] = _tracking_prepare
        if len(_compiled) >= _COMPILED_CACHE_LIMIT:
            _compiled.pop(next(iter(_compiled)))
        _compiled[source] = template
        return template


def check_syntax(source: str) -> None:
    compile_template(source)


def render(source: str | None, data: dict[str, Any] | None) -> Rendered:
    """Render ``source`` with ``data``; never raises for any JSON data."""
    if not source:
        return Rendered("")
    template = compile_template(source)
    session, previous = render_session.begin()
    try:
        text = str(template(data if isinstance(data, dict) else {}, helpers=HELPERS))
    except Exception as exc:  # noqa: BLE001 (a template failing at run time, e.g. an unknown helper, renders nothing)
        return Rendered("", list(session.missing), f"{type(exc).__name__}: {exc}")
    finally:
        render_session.end(previous)
    return Rendered(text, session.missing)
