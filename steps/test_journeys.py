"""Browser journeys (Playwright + Debian's Chromium), desktop and phone."""

from pytest_bdd import scenarios

scenarios("journeys")
