"""The app's structured log lines, captured in a test: what an operator's alert would match on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from structlog.testing import capture_logs


@contextmanager
def info_logs() -> Iterator[list[dict]]:
    """The app's log lines at INFO and above (the test app logs only errors), as structured dicts."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)
