"""The form decoder against stripe-python's own encoder: whatever the library sends, we read back."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._encode import _api_encode

from simulators.stripe.formcodec import FormDecodeError, decode_form, split_key

pytestmark = [pytest.mark.stripe]


def library_encoding(params: dict) -> str:
    """Exactly what ``_APIRequestor`` puts on the wire for a v1 request."""
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


def as_stripe_reads_it(value):
    """Leaves become strings (booleans lower case); empty containers are simply absent."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, list):
        return [as_stripe_reads_it(v) for v in value]
    return {k: as_stripe_reads_it(v) for k, v in value.items() if v not in ({}, [])}


# Keys as Stripe's parameters and metadata use them: no brackets, not all digits (those would read as list indices).
keys = st.text(
    alphabet=st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)), min_size=1, max_size=12
).filter(lambda k: not k.isdigit())
leaves = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.integers(-(10**12), 10**12),
    st.booleans(),
)
# The library writes a boolean that sits directly in a list as ``True``/``False`` (str()), unlike everywhere
# else; no Stripe parameter is a list of booleans, so lists here hold no bare booleans.
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner.filter(lambda x: not isinstance(x, bool) and x not in ({}, [])), min_size=1, max_size=4),
        st.dictionaries(keys, inner, min_size=1, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_round_trip_through_stripe_pythons_encoder(params):
    expected = {k: as_stripe_reads_it(v) for k, v in params.items() if v not in ({}, [])}
    assert decode_form(library_encoding(params)) == expected


def test_checkout_session_params_decode_to_nested_structure():
    params = {
        "mode": "payment",
        "metadata": {"booking_id": "42"},
        "expires_at": 1700000000,
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 2500, "product_data": {"name": "Coaching & more"}},
                "quantity": 1,
            }
        ],
        "payment_method_types": ["card", "us_bank_account"],
        "allow_promotion_codes": False,
    }
    decoded = decode_form(library_encoding(params))
    assert decoded["line_items"][0]["price_data"]["product_data"]["name"] == "Coaching & more"
    assert decoded["line_items"][0]["quantity"] == "1"
    assert decoded["payment_method_types"] == ["card", "us_bank_account"]
    assert decoded["allow_promotion_codes"] == "false"
    assert decoded["expires_at"] == "1700000000"


def test_list_indices_are_ordered_numerically_not_as_text():
    body = "&".join(f"a[{i}]=v{i}" for i in range(12))
    assert decode_form(body)["a"] == [f"v{i}" for i in range(12)]


def test_empty_brackets_append_in_order():
    assert decode_form("expand[]=payment_intent&expand[]=line_items")["expand"] == ["payment_intent", "line_items"]


def test_top_level_digit_keys_stay_a_dict():
    assert decode_form("0=a&1=b") == {"0": "a", "1": "b"}


@pytest.mark.parametrize("key", ["a[b", "a]b[", "[a]", "a[b]c"])
def test_malformed_keys_are_refused(key):
    with pytest.raises(FormDecodeError):
        split_key(key)


def test_a_key_used_as_both_scalar_and_hash_is_refused():
    with pytest.raises(FormDecodeError):
        decode_form("metadata=x&metadata[a]=b")
