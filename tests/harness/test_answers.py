"""A driver's typed fields fail at the field of the wrong shape, naming it, and pass the right shapes through."""

from __future__ import annotations

import pytest

from harness.answers import object_field, objects_field, str_field, strings_field

ANSWER = {
    "resource": {"uri": "https://api.calendly.com/invitees/1"},
    "attempts": [{"status": 200}],
    "expired": ["cs_1"],
    "secret": "whsec_1",
    "nothing": None,
}


def test_fields_of_the_promised_shape_come_back_as_they_are():
    assert object_field(ANSWER, "resource") is ANSWER["resource"]
    assert objects_field(ANSWER, "attempts") == [{"status": 200}]
    assert strings_field(ANSWER, "expired") == ["cs_1"]
    assert str_field(ANSWER, "secret") == "whsec_1"


@pytest.mark.parametrize(
    ("read", "key", "expected"),
    [
        (object_field, "attempts", "an object"),
        (objects_field, "expired", "a list of objects"),
        (strings_field, "attempts", "a list of strings"),
        (str_field, "nothing", "a string"),
    ],
)
def test_a_field_of_another_shape_fails_naming_the_field_and_the_shape(read, key, expected):
    with pytest.raises(AssertionError, match=f"the answer's '{key}' is not {expected}: "):
        read(ANSWER, key)


def test_a_missing_field_is_a_key_error():
    with pytest.raises(KeyError):
        object_field(ANSWER, "absent")
