"""Handlebars as SendGrid renders dynamic templates: the documented examples, helpers, escaping, missing data."""

from __future__ import annotations

import pytest

from simulators.sendgrid.format_date import format_date
from simulators.sendgrid.handlebars import TemplateSyntaxError, render

pytestmark = pytest.mark.email


def text(source, data):
    rendered = render(source, data)
    assert rendered.error is None, rendered.error
    return rendered.text


@pytest.mark.parametrize(
    ("source", "data", "expected"),
    [
        ("<p>Hello {{ firstName }}</p>", {"firstName": "Ben"}, "<p>Hello Ben</p>"),
        (
            '<a href="{{ url }}">Click</a>',
            {"url": "https://example.com/shop?a=1&b=2"},
            '<a href="https://example.com/shop?a=1&amp;b=2">Click</a>',
        ),
        ("{{user.profile.firstName}}", {"user": {"profile": {"firstName": "Ben"}}}, "Ben"),
        ("{{{firstName}}}", {"firstName": "<strong>Ben</strong>"}, "<strong>Ben</strong>"),
        (
            "{{firstName}}",
            {"firstName": "<strong>Ben & 'Jo'</strong>"},
            "&lt;strong&gt;Ben &amp; &#x27;Jo&#x27;&lt;/strong&gt;",
        ),
        (
            "{{#if user.suspended}}call {{@root.supportPhone}}{{/if}}",
            {"user": {"suspended": True}, "supportPhone": "1-800"},
            "call 1-800",
        ),
        ("{{#unless user.active}}suspended{{/unless}}", {"user": {"active": False}}, "suspended"),
        (
            "{{#each user.orderHistory}}[{{this.item}} on {{this.date}}]{{/each}}",
            {"user": {"orderHistory": [{"date": "2/1/2018", "item": "shoes"}, {"date": "1/4/2017", "item": "hat"}]}},
            "[shoes on 2/1/2018][hat on 1/4/2017]",
        ),
        ("{{#each items}}{{@index}}:{{this}} {{/each}}", {"items": ["a", "b"]}, "0:a 1:b "),
        ("{{#each items}}x{{else}}none{{/each}}", {"items": []}, "none"),
        ("{{#with user}}{{name}}{{else}}nobody{{/with}}", {"user": {"name": "Ann"}}, "Ann"),
        ("{{#with user}}{{name}}{{else}}nobody{{/with}}", {}, "nobody"),
    ],
)
def test_substitution_conditions_and_iteration(source, data, expected):
    assert text(source, data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"user": {"profile": {"male": True}}}, "Dear Sir"),
        ({"user": {"profile": {"female": True}}}, "Dear Madame"),
        ({"user": {"profile": {}}}, "Dear Customer"),
    ],
)
def test_else_if_chains_work_as_sendgrid_documents(data, expected):
    source = "{{#if user.profile.male}}Dear Sir{{else if user.profile.female}}Dear Madame{{else}}Dear Customer{{/if}}"
    assert text(source, data) == expected


@pytest.mark.parametrize(
    ("helper", "a", "b", "expected"),
    [
        ("equals", 289199, 289199, "yes"),
        ("equals", 3, "3", "yes"),
        ("equals", 167320, 289199, "no"),
        ("notEquals", 20230710, 20230715, "yes"),
        ("notEquals", 3, "3", "no"),
        ("greaterThan", 100, 78, "yes"),
        ("greaterThan", 55, 78, "no"),
        ("greaterThan", "100", 78, "yes"),
        ("lessThan", 55, 78, "yes"),
        ("lessThan", 100, 78, "no"),
        ("lessThan", "abc", 78, "no"),
        ("and", "Pasta", "Coffee", "yes"),
        ("and", "Pasta", "", "no"),
        ("and", 1, 0, "no"),
        ("or", False, True, "yes"),
        ("or", False, 0, "no"),
        ("or", "", -1, "yes"),
    ],
)
def test_sendgrid_comparison_and_logic_helpers(helper, a, b, expected):
    source = f"{{{{#{helper} a b}}}}yes{{{{else}}}}no{{{{/{helper}}}}}"
    assert text(source, {"a": a, "b": b}) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [(["raft", "bottle"], "in cart"), ([], "empty"), (None, "empty"), ("abc", "in cart"), ({"a": 1}, "empty")],
)
def test_length_as_a_sub_expression(items, expected):
    source = "{{#greaterThan (length cartItems) 0}}in cart{{else}}empty{{/greaterThan}}"
    assert text(source, {"cartItems": items}) == expected


def test_insert_with_a_default():
    source = 'Hello {{insert name "default=Customer"}}! About {{insert businessName "your business"}}.'
    assert text(source, {"name": "Ben", "businessName": "Twilio SendGrid"}) == "Hello Ben! About Twilio SendGrid."
    assert text(source, {"name": "Ben"}) == "Hello Ben! About your business."
    assert render(source, {}).missing == []


def test_format_date_with_and_without_offset():
    data = {"timeStamp": "2020-01-01T23:00:00.000Z", "dateFormat": "MMMM DD, YYYY h:mm:ss A", "tz": "-0800"}
    assert text("{{formatDate timeStamp dateFormat}}", data) == "January 01, 2020 11:00:00 PM"
    assert text("{{formatDate timeStamp dateFormat tz}}", data) == "January 01, 2020 3:00:00 PM"


@pytest.mark.parametrize(
    ("value", "pattern", "offset", "expected"),
    [
        ("2020-01-01T23:00:00Z", "YYYY YY MMMM MMM MM M DD D", None, "2020 20 January Jan 01 1 01 1"),
        ("2020-01-01T23:00:00Z", "dddd ddd HH H hh h mm m ss s A", "-08:00", "Wednesday Wed 15 15 03 3 00 0 00 0 PM"),
        ("2020-01-01T23:00:00Z", "Z ZZ", "+0530", "+05:30 +0530"),
        (1577919600, "YYYY-MM-DD HH:mm", None, "2020-01-01 23:00"),
        (1577919600000, "YYYY-MM-DD HH:mm", None, "2020-01-01 23:00"),
        ("2020-01-01T23:00:00Z", "[at] h A", None, "at 11 PM"),
        ("2020-01-01T23:00:00Z", None, None, "2020-01-01T23:00:00.000Z"),
        ("not a date", "YYYY", None, ""),
    ],
)
def test_format_date_tokens(value, pattern, offset, expected):
    assert format_date(value, pattern, offset) == expected


@pytest.mark.parametrize(
    "source", ["{{#with user}}{{../greeting}} {{name}}{{/with}}", "{{#user}}{{../greeting}} {{name}}{{/user}}"]
)
def test_parent_paths_reach_out_of_a_with_block(source):
    rendered = render(source, {"greeting": "Hi", "user": {"name": "Ann"}})

    assert (rendered.text, rendered.missing) == ("Hi Ann", [])


def test_values_print_as_javascript_would():
    data = {"n": 2.0, "f": 2.5, "t": True, "list": [1, "x"], "obj": {"a": 1}, "zero": 0}
    assert text("{{n}} {{f}} {{t}} {{list}} {{obj}} {{zero}}", data) == "2 2.5 true 1,x [object Object] 0"


def test_truthiness_follows_handlebars_not_python():
    source = "{{#if obj}}obj{{/if}}{{#if arr}}arr{{/if}}{{#if zero}}zero{{/if}}{{#if zero includeZero=true}}0{{/if}}"
    assert text(source, {"obj": {}, "arr": [], "zero": 0}) == "obj0"


def test_missing_variables_render_empty_and_are_reported():
    rendered = render(
        "<p>Hello {{user.profile.firstName}} {{items}} {{{raw}}} {{formatDate when 'YYYY'}}</p>",
        {"user": {"orderHistory": []}},
    )

    assert rendered.text == "<p>Hello    </p>"
    assert rendered.missing == ["user.profile.firstName", "items", "raw", "when"]


def test_conditions_on_missing_values_are_not_reported():
    rendered = render("{{#if coupon}}{{coupon}}{{/if}}{{#each extras}}{{this}}{{/each}}{{#unless vip}}-{{/unless}}", {})

    assert (rendered.text, rendered.missing) == ("-", [])


def test_missing_fields_inside_loops_are_reported_by_their_path():
    rendered = render("{{#each items}}{{this.name}}={{this.price}};{{/each}}", {"items": [{"name": "a"}]})

    assert (rendered.text, rendered.missing) == ("a=;", ["this.price"])


def test_an_unknown_helper_is_a_render_error_not_an_exception():
    rendered = render("{{shout name}}", {"name": "x"})

    assert rendered.text == ""
    assert "shout" in rendered.error


@pytest.mark.parametrize("source", ["{{#if open}}never closed", "{{#if a}}x{{/each}}", "Hi {{name", "{{/if}}"])
def test_syntax_errors_are_raised_at_compile_time(source):
    with pytest.raises(TemplateSyntaxError):
        render(source, {"open": True, "a": True, "name": "x"})
