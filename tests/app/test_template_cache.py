"""Pages compiled once per process: a second app renders them from the shared cache, an edited page afresh.

The harness builds an app per scenario; each compiling the same templates again was most of a
scenario's start-up. The cache is exercised here with Jinja environments of its own, so a compile
can be counted.
"""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment

from app_under_test.template_cache import ProcessBytecodeCache


class CountingEnvironment(Environment):
    """An app's Jinja environment that notes each template it compiles in ``compiled``."""

    def __init__(self, compiled: list[str], **options: Any) -> None:
        super().__init__(**options)
        self.compiled = compiled

    def compile(self, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        self.compiled.append(name or "")
        return super().compile(source, name, *args, **kwargs)


def _app_environment(cache: ProcessBytecodeCache, pages: dict[str, str], compiled: list[str]) -> CountingEnvironment:
    return CountingEnvironment(compiled, loader=DictLoader(pages), bytecode_cache=cache, auto_reload=False)


def test_a_second_app_in_the_process_renders_a_page_without_compiling_it_again():
    compiled: list[str] = []
    cache = ProcessBytecodeCache()
    pages = {"hello.html": "Hello {{ name }}!"}
    first = _app_environment(cache, pages, compiled).get_template("hello.html").render(name="Ada")
    second = _app_environment(cache, pages, compiled).get_template("hello.html").render(name="Grace")
    assert (first, second) == ("Hello Ada!", "Hello Grace!")
    assert compiled == ["hello.html"]


def test_an_edited_page_is_compiled_afresh_and_shows_the_edit():
    compiled: list[str] = []
    cache = ProcessBytecodeCache()
    before = _app_environment(cache, {"hello.html": "Hello {{ name }}!"}, compiled).get_template("hello.html")
    after = _app_environment(cache, {"hello.html": "Welcome, {{ name }}."}, compiled).get_template("hello.html")
    assert (before.render(name="Ada"), after.render(name="Ada")) == ("Hello Ada!", "Welcome, Ada.")
    assert compiled == ["hello.html", "hello.html"]
