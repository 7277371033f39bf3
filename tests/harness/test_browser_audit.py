"""The journeys' accessibility audit does report serious violations, and only those."""

from __future__ import annotations

import pytest

from harness.browser import serious_violations

pytestmark = [pytest.mark.browser]

UNLABELLED = "<html lang='en'><head><title>Form</title></head><body><main><h1>Form</h1>{}</main></body></html>"
OUTSIDE_LANDMARKS = "<html lang='en'><head><title>Text</title></head><body><h1>Text</h1><p>Outside</p></body></html>"


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def test_an_unlabelled_field_and_an_image_without_text_are_reported_and_a_clean_page_is_not(page):
    page.set_content(UNLABELLED.format("<input name='email'><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"))
    found = serious_violations(page)

    assert any(": label (critical)" in v for v in found), found
    assert any(": image-alt (critical)" in v for v in found), found

    page.set_content(UNLABELLED.format("<label>Email <input name='email'></label>"))
    assert serious_violations(page) == []


def test_a_moderate_finding_is_not_reported(page):
    page.set_content(OUTSIDE_LANDMARKS)  # axe's "region" rule (moderate): text outside any landmark

    assert serious_violations(page) == []
    assert "region" in str(page.evaluate("axe.run(document).then(r => r.violations.map(v => v.id))"))
