"""Fields of the simulators' JSON answers, checked against the shape a driver promises its callers.

A driver returns typed values (an object, a list of objects, a string); the JSON it read is untyped.
These functions are where the two meet: a field of another shape fails at once, naming the field,
instead of surfacing later as a confusing error in a step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _wrong(key: str, expected: str, value: object) -> AssertionError:
    return AssertionError(f"the answer's {key!r} is not {expected}: {value!r:.300}")


def object_field(answer: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = answer[key]
    if not isinstance(value, dict):
        raise _wrong(key, "an object", value)
    return value


def objects_field(answer: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = answer[key]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _wrong(key, "a list of objects", value)
    return value


def strings_field(answer: Mapping[str, Any], key: str) -> list[str]:
    value = answer[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _wrong(key, "a list of strings", value)
    return value


def str_field(answer: Mapping[str, Any], key: str) -> str:
    value = answer[key]
    if not isinstance(value, str):
        raise _wrong(key, "a string", value)
    return value
