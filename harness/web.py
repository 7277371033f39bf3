"""Drive the booking service's pages over HTTP the way a browser without JavaScript would.

``Visitor`` keeps cookies, reads forms (including their CSRF token) out of the
HTML, and submits them; ``PageParser`` pulls out the few things steps look at
(links, slot radios, forms, headings). No reaching into the app's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from harness import http_clients


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class SlotOption:
    value: str  # UTC instant, ISO with Z
    local: str  # "YYYY-MM-DD HH:MM" in the zone the page was shown in
    label: str


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.forms: list[Form] = []
        self.slots: list[SlotOption] = []
        self.h1 = ""
        self.alerts: list[str] = []
        self.data_attrs: dict[str, str] = {}
        self._href: str | None = None
        self._text: list[str] = []
        self._in_h1 = False
        self._in_alert = False
        self._slot: SlotOption | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key, value in a.items():
            if key.startswith("data-") and key not in self.data_attrs:
                self.data_attrs[key] = value
        if tag == "a" and "href" in a:
            self._href, self._text = a["href"], []
        elif tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif tag in ("input", "select") and self.forms and a.get("name"):
            if a.get("type") == "radio":
                if a["name"] == "slot":
                    self._slot = SlotOption(a.get("value", ""), a.get("data-local", ""), "")
                    self.slots.append(self._slot)
                if "checked" in a:
                    self.forms[-1].fields[a["name"]] = a.get("value", "")
            else:
                self.forms[-1].fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "h1":
            self._in_h1 = True
        if a.get("role") == "alert":
            self._in_alert, self._text = True, []

    def handle_data(self, data: str) -> None:
        if self._href is not None or self._in_alert:
            self._text.append(data)
        if self._in_h1:
            self.h1 += data
        if self._slot is not None and not self._slot.label:
            self._slot.label = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None
        elif tag == "h1":
            self._in_h1 = False
            self.h1 = " ".join(self.h1.split())
        elif tag == "label":
            self._slot = None
        elif self._in_alert and tag in ("p", "div"):
            self.alerts.append(" ".join("".join(self._text).split()))
            self._in_alert = False


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


class Visitor:
    """One person's browser session (cookies included) against a base URL."""

    def __init__(self, base_url: str) -> None:
        self.http = http_clients.client(base_url=base_url, timeout=30, follow_redirects=False)
        self.page: httpx.Response | None = None
        self.url: str = "/"

    def close(self) -> None:
        self.http.close()

    @property
    def parsed(self) -> PageParser:
        assert self.page is not None, "no page has been opened yet"
        return parse(self.page.text)

    def open(self, path: str, *, follow: bool = True, **params: Any) -> httpx.Response:
        response = self.http.get(path, params=params or None)
        self.url = str(response.request.url)
        if follow:
            response = self._follow(response)
        self.page = response
        return response

    def _follow(self, response: httpx.Response) -> httpx.Response:
        hops = 0
        while response.is_redirect and hops < 10:
            target = urljoin(str(response.request.url), response.headers["location"])
            response = self.http.get(target)
            self.url = str(response.request.url)
            hops += 1
        return response

    def follow_link(self, text: str) -> httpx.Response:
        for link_text, href in self.parsed.links:
            if link_text == text or link_text.startswith(text):
                return self.open(urljoin(self.url, href))
        raise AssertionError(f"no link {text!r} on {self.url}; links: {[t for t, _ in self.parsed.links]}")

    def form(self, action_contains: str) -> Form:
        for form in self.parsed.forms:
            if action_contains in form.action:
                return form
        raise AssertionError(f"no form posting to *{action_contains}* on {self.url}")

    def submit(self, form: Form, *, follow: bool = True, **values: str) -> httpx.Response:
        data = {**form.fields, **{k: v for k, v in values.items() if v is not None}}
        target = urljoin(self.url, form.action)
        if form.method == "get":
            response = self.http.get(target.split("?")[0], params=data)
        else:
            response = self.http.post(target, data=data)
        self.url = str(response.request.url)
        if follow:
            response = self._follow(response)
        self.page = response
        return response
