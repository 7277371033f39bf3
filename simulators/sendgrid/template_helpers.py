"""SendGrid's Handlebars helpers and the JavaScript value semantics they rely on.

Dynamic templates on SendGrid run Handlebars with a fixed helper set:
``if``/``unless``/``each``/``with`` (built in), ``equals``, ``notEquals``,
``greaterThan``, ``lessThan``, ``and``, ``or``, ``length``, ``insert`` and
``formatDate``. Conditions use Handlebars.js truthiness (``""``, ``0``,
``null``, ``false``, ``[]`` are false; any object is true); ``equals`` coerces
``3`` and ``"3"`` to equal, as SendGrid documents; ``greaterThan``/``lessThan``
compare numbers (numeric strings included) and are false for anything else.
Every block helper tells the render session that the paths it was given were
conditions, not missing output.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pybars import _compiler as pybars_compiler

from simulators.sendgrid.format_date import format_date
from simulators.sendgrid.render_session import flush_pending


def js_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, pybars_compiler.Scope):
        return js_string(value.context)
    return str(value)


def truthy(value: Any) -> bool:
    """Handlebars.js truthiness: objects are true even when empty, empty arrays are false."""
    if isinstance(value, pybars_compiler.Scope):
        value = value.context
    if isinstance(value, dict):
        return True
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return bool(value)


def _block(condition: bool, this: Any, options: Any) -> Any:
    return options["fn"](this) if condition else options["inverse"](this)


def _coerced_equal(left: Any, right: Any) -> bool:
    if type(left) is type(right):
        return bool(left == right)
    if (
        isinstance(left, (int, float))
        and isinstance(right, (int, float))
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    ):
        return left == right
    return js_string(left) == js_string(right)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _compare(left: Any, right: Any, *, greater: bool) -> bool:
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return False
    return a > b if greater else a < b


def _condition_helper(test: Callable[..., bool]) -> Callable[..., Any]:
    def helper(this: Any, options: Any, *args: Any, **_hash: Any) -> Any:
        flush_pending(record=False)
        return _block(test(*args), this, options)

    return helper


def _if(this: Any, options: Any, context: Any = None, includeZero: bool = False, **_hash: Any) -> Any:
    flush_pending(record=False)
    is_zero = isinstance(context, (int, float)) and not isinstance(context, bool) and context == 0
    return _block(truthy(context) or (bool(includeZero) and is_zero), this, options)


def _unless(this: Any, options: Any, context: Any = None, **_hash: Any) -> Any:
    flush_pending(record=False)
    return _block(not truthy(context), this, options)


def _each(this: Any, options: Any, context: Any = None, **_hash: Any) -> Any:
    flush_pending(record=False)
    if not truthy(context) or not isinstance(context, (list, tuple, dict)):
        return options["inverse"](this)
    return pybars_compiler._each(this, options, context)


def _with(this: Any, options: Any, context: Any = None, **_hash: Any) -> Any:
    flush_pending(record=False)
    if not truthy(context):
        return options["inverse"](this)
    # A new scope whose parent is the current one, so ``{{../name}}`` inside the block reaches out (pybars'
    # own ``with`` passes the bare value and loses the parent).
    return options["fn"](pybars_compiler.Scope(context, this, options["root"]))


def _block_helper_missing(this: Any, options: Any, context: Any = None, **_hash: Any) -> Any:
    flush_pending(record=False)
    if isinstance(context, (list, tuple)):
        return _each(this, options, context)
    if not truthy(context):
        return options["inverse"](this)
    return options["fn"](this if context is True else pybars_compiler.Scope(context, this, options["root"]))


def _length(this: Any, value: Any = None, *_args: Any, **_hash: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _insert(this: Any, value: Any = None, *defaults: Any, **_hash: Any) -> Any:
    fallback = None
    for item in defaults:
        if isinstance(item, str):
            fallback = item[len("default=") :] if item.startswith("default=") else item
    if (value is None or value == "") and fallback is not None:
        flush_pending(record=False)
        return fallback
    return value


def _format_date(
    this: Any, value: Any = None, date_format: Any = None, offset: Any = None, *_args: Any, **_hash: Any
) -> str | None:
    text = format_date(value, date_format, offset)
    return text or None  # None lets the output step report a missing timestamp


def _helper_missing(this: Any, name: str, *args: Any, **_hash: Any) -> Any:
    if args:
        raise pybars_compiler.PybarsError(f"Could not find helper {name}")


HELPERS: dict[str, Callable[..., Any]] = {
    "if": _if,
    "unless": _unless,
    "each": _each,
    "with": _with,
    "blockHelperMissing": _block_helper_missing,
    "helperMissing": _helper_missing,
    "equals": _condition_helper(lambda a=None, b=None, *_: _coerced_equal(a, b)),
    "notEquals": _condition_helper(lambda a=None, b=None, *_: not _coerced_equal(a, b)),
    "greaterThan": _condition_helper(lambda a=None, b=None, *_: _compare(a, b, greater=True)),
    "lessThan": _condition_helper(lambda a=None, b=None, *_: _compare(a, b, greater=False)),
    "and": _condition_helper(lambda *values: bool(values) and all(truthy(v) for v in values)),
    "or": _condition_helper(lambda *values: any(truthy(v) for v in values)),
    "length": _length,
    "insert": _insert,
    "formatDate": _format_date,
}
