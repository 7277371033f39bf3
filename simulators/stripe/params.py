"""Check and coerce decoded request parameters against a small schema.

Stripe rejects any parameter it does not know (``parameter_unknown``, naming
the full bracketed path) and coerces form strings into integers and booleans,
failing with ``parameter_invalid_integer`` & co. A typo'd parameter must fail
here just as it would against the real API, or the app's bug ships.

Schema leaves: ``STR``, ``INT``, ``BOOL``, ``META`` (Stripe metadata),
``ANY`` (accepted, not interpreted); ``[schema]`` is a list of that schema,
a dict is a nested hash.
"""

from __future__ import annotations

from typing import Any

from simulators.stripe import errors

STR, INT, BOOL, META, ANY = "str", "int", "bool", "meta", "any"

MAX_METADATA_KEYS = 50


def _path(prefix: str, key: str | int) -> str:
    return f"{prefix}[{key}]" if prefix else str(key)


def coerce(params: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return ``params`` with leaves converted; raise ``StripeError`` like Stripe does."""
    result: dict[str, Any] = {}
    for key, value in params.items():
        path = _path(prefix, key)
        if key not in schema:
            raise errors.unknown_param(path)
        result[key] = _coerce_value(value, schema[key], path)
    return result


def _coerce_value(value: Any, spec: Any, path: str) -> Any:
    if isinstance(spec, dict):
        if value == "":  # Stripe treats an empty string as "unset"
            return None
        if not isinstance(value, dict):
            raise errors.invalid("Invalid object", param=path, code="parameter_invalid_type")
        return coerce(value, spec, path)
    if isinstance(spec, list):
        if value == "":
            return []
        if not isinstance(value, list):
            raise errors.invalid("Invalid array", param=path, code="parameter_invalid_type")
        return [_coerce_value(item, spec[0], _path(path, i)) for i, item in enumerate(value)]
    if spec == ANY:
        return value
    if spec == META:
        return _metadata(value, path)
    if not isinstance(value, str):
        raise errors.invalid(
            f"Invalid {'hash' if isinstance(value, dict) else 'array'}: {path} must be a {spec}",
            param=path,
            code="parameter_invalid_type",
        )
    if spec == INT:
        try:
            return int(value)
        except ValueError:
            raise errors.invalid(f"Invalid integer: {value}", param=path, code="parameter_invalid_integer") from None
    if spec == BOOL:
        if value not in ("true", "false"):
            raise errors.invalid(f"Invalid boolean: {value}", param=path, code="parameter_invalid_boolean")
        return value == "true"
    return value


def _metadata(value: Any, path: str) -> dict[str, str]:
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise errors.invalid("Invalid hash", param=path, code="parameter_invalid_type")
    if len(value) > MAX_METADATA_KEYS:
        raise errors.invalid(f"Invalid {path}: too many keys (maximum {MAX_METADATA_KEYS})", param=path)
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str):
            raise errors.invalid(
                f"Invalid value for {path}[{key}]: metadata values must be strings", param=f"{path}[{key}]"
            )
        if len(key) > 40:
            raise errors.invalid(
                f"Metadata keys must be at most 40 characters long (got {key!r})", param=f"{path}[{key}]"
            )
        if len(item) > 500:
            raise errors.invalid("Metadata values must be at most 500 characters long", param=f"{path}[{key}]")
        if item != "":  # an empty value unsets the key
            cleaned[key] = item
    return cleaned


def require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value in ("", []):
        raise errors.missing_param(name)
    return value


CREATED_FILTER = {"gt": INT, "gte": INT, "lt": INT, "lte": INT}
LIST_PARAMS = {"limit": INT, "starting_after": STR, "ending_before": STR, "expand": [STR]}


def created_filter(raw: Any) -> dict[str, int]:
    """``created=123`` or ``created[gte]=..``; returns bounds as a dict."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            return {"eq": int(raw)}
        except ValueError:
            raise errors.invalid(f"Invalid integer: {raw}", param="created", code="parameter_invalid_integer") from None
    return coerce(raw, CREATED_FILTER, "created")


def matches_created(created: int, bounds: dict[str, int]) -> bool:
    checks = {
        "eq": created.__eq__,
        "gt": created.__gt__,
        "gte": created.__ge__,
        "lt": created.__lt__,
        "lte": created.__le__,
    }
    return all(checks[op](bound) for op, bound in bounds.items())
