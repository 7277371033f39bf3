"""Debian's Chromium driven by Playwright (``executable_path``; browsers are never downloaded).

One place for the launch flags, the device profiles and the per-page checks
(axe accessibility, sideways scrolling) that every browser test applies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:  # Playwright is imported where a browser is driven, not by every harness import
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Background networking off: this machine has no network beyond loopback and package registries.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "tablet": {
        "viewport": {"width": 820, "height": 1180},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
SERIOUS = ("serious", "critical")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "reports" / "journeys"  # git-ignored, beside the JUnit XML
T = TypeVar("T")


def require_chromium() -> None:
    """Skip (or, in CI, fail) when Debian's chromium is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; the bootstrap should have installed Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")


def _playwright_ffmpeg_revision() -> str:
    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    revision: str = next(b["revision"] for b in json.loads(browsers.read_text())["browsers"] if b["name"] == "ffmpeg")
    return revision


def enable_video() -> bool:
    """Can contexts record video? Playwright encodes it with an ffmpeg build of its own, which cannot be
    downloaded here; Debian's ffmpeg takes the same arguments, so it is linked where Playwright looks,
    in a folder inside the virtualenv (``PLAYWRIGHT_BROWSERS_PATH``; Chromium itself is Debian's, by path).
    """
    if os.environ.get("PLAYWRIGHT_BROWSERS_PATH"):
        return True  # someone else decided where Playwright's tools live
    system_ffmpeg = shutil.which("ffmpeg")
    if system_ffmpeg is None:
        return False
    registry = Path(sys.prefix) / "playwright-tools"
    link = registry / f"ffmpeg-{_playwright_ffmpeg_revision()}" / "ffmpeg-linux"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(system_ffmpeg)
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(registry)
    return True


@contextmanager
def launched_chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    require_chromium()
    enable_video()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now.

    axe-core (the copy axe-playwright-python ships) is put into the page and run in one evaluation:
    as two (what ``Axe().run`` does), a page that reloads itself in between (the payment waiting page,
    when the webhook lands) ran the audit in a new document without axe ("axe is not defined"). In one,
    a reload destroys the evaluation's context, which ``_after_any_reload`` retries on the new page.
    """
    from axe_playwright_python.base import AXE_SCRIPT
    from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS

    audit = f"{AXE_SCRIPT}\n;axe.run(document, {json.dumps(DEFAULT_OPTIONS)})"

    def run() -> list[str]:
        page.wait_for_load_state("load")
        return [
            f"{page.url}: {v['id']} ({v['impact']})"
            for v in page.evaluate(audit)["violations"]
            if v.get("impact") in SERIOUS
        ]

    return _after_any_reload(page, run)


class _PageBetweenDocuments(Exception):
    """The page had no document element: it was caught between unloading one document and loading the next."""


def scrolls_sideways(page: Page) -> bool:
    def check() -> bool:
        wider = page.evaluate(
            "document.documentElement ? document.documentElement.scrollWidth > window.innerWidth + 1 : null"
        )
        if wider is None:
            raise _PageBetweenDocuments
        return bool(wider)

    return _after_any_reload(page, check)


def _after_any_reload(page: Page, check: Callable[[], T], attempts: int = 3) -> T:
    """Run a check in the page; if the page navigated meanwhile (the payment waiting page reloads itself
    when the webhook lands), run it again on the page that loaded."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(attempts - 1):
        try:
            return check()
        except _PageBetweenDocuments:
            page.wait_for_load_state("load")
        except PlaywrightError as exc:
            if "Execution context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            page.wait_for_load_state("load")
    return check()


# Runs in every page of a context before the page's own scripts (injected by the browser, so no CSP
# applies to it): each Content-Security-Policy violation becomes a console error that names it.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', function (event) {
  console.error('CSP violation: ' + event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline')
                + ' on ' + event.documentURI);
});
"""


def watch_csp_violations(context: BrowserContext, page: Page, sink: list[str]) -> None:
    """Collect into ``sink`` every CSP violation in the context's pages, as the console reports it.

    Chromium logs a refusal ("Refused to execute inline script because it violates the following
    Content Security Policy directive...") and the listener above logs the DOM's violation event."""
    context.add_init_script(_CSP_LISTENER)

    def _on_console(message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or text.startswith("CSP violation")):
            sink.append(f"{page.url}: {text}")

    page.on("console", _on_console)


def keep_screenshot(page: Page, test_name: str) -> Path | None:
    """The page a journey ends on, as a PNG under ``reports/journeys/`` named after the test (None if it is gone)."""
    from playwright.sync_api import Error as PlaywrightError

    path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")[:150] + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError:
        return None  # the page or its context already closed (a failed step); nothing to keep
    return path
