"""Property: the project's mail templates render whatever JSON the app puts in dynamic_template_data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.sendgrid.handlebars import render
from simulators.sendgrid.template_store import DEFAULT_TEMPLATES_DIR, TemplateStore

pytestmark = pytest.mark.email

VARIABLES = [
    "client_name",
    "session_name",
    "builder_name",
    "start_local",
    "timezone",
    "duration_minutes",
    "booking_reference",
    "manage_url",
    "is_paid",
    "amount",
    "pathway",
    "location",
    "meeting_url",
    "reason",
    "refund_amount",
    "rebook_url",
    "paid_at_local",
    "payment_reference",
    "line_items",
    "starts_in",
]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
template_data = st.fixed_dictionaries({}, optional=dict.fromkeys(VARIABLES, json_values)).flatmap(
    lambda known: st.dictionaries(st.text(max_size=10), json_values, max_size=3).map(lambda extra: {**extra, **known})
)


def _project_templates():
    counter = iter(range(10**6))
    store = TemplateStore(
        new_template_id=lambda: f"d-{next(counter):032x}", new_version_id=lambda: "v", now=lambda: 0.0
    )
    return [template.active_version for template in store.load_folder(DEFAULT_TEMPLATES_DIR)]


PROJECT_TEMPLATES = _project_templates()


def test_the_project_ships_its_four_mails():
    assert len(PROJECT_TEMPLATES) == 4
    assert all(v.subject and v.html_content and v.plain_content for v in PROJECT_TEMPLATES)


@settings(max_examples=100, deadline=None)
@given(data=template_data)
def test_rendering_never_fails_for_json_data(data):
    for version in PROJECT_TEMPLATES:
        for source in (version.subject, version.html_content, version.plain_content):
            rendered = render(source, data)
            assert rendered.error is None
            assert isinstance(rendered.text, str)
            # Missing names are the template's own: top-level variables, or fields of a loop item.
            assert all(name in VARIABLES or name.startswith("this.") for name in rendered.missing)


@settings(max_examples=60, deadline=None)
@given(values=st.fixed_dictionaries({name: st.text(min_size=1, max_size=20) for name in VARIABLES}))
def test_complete_string_data_leaves_no_empty_placeholder(values):
    data = {**values, "line_items": [{"description": values["session_name"], "amount": values["amount"]}]}
    for version in PROJECT_TEMPLATES:
        for source in (version.subject, version.html_content, version.plain_content):
            assert render(source, data).missing == []
