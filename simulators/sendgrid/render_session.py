"""Per-render bookkeeping of variables that resolved to nothing.

The compiled template looks values up through a hook that notes every path
that came back empty; what happens next decides whether it was a *missing
variable* (it was printed, or fed to ``formatDate``) or fine (it was the
condition of an ``if``/``each``, or ``insert`` supplied a default). State is
thread-local because the simulator renders in request threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

_local = threading.local()


@dataclass
class RenderSession:
    pending: list[str] = field(default_factory=list)  # paths that resolved to nothing since the last output
    missing: list[str] = field(default_factory=list)


def current() -> RenderSession | None:
    return getattr(_local, "session", None)


def begin() -> tuple[RenderSession, RenderSession | None]:
    previous = current()
    session = RenderSession()
    _local.session = session
    return session, previous


def end(previous: RenderSession | None) -> None:
    _local.session = previous


def note_empty(path: str) -> None:
    session = current()
    if session is not None:
        session.pending.append(path)


def flush_pending(*, record: bool) -> None:
    """Settle the paths noted since the last output: report them as missing, or forget them."""
    session = current()
    if session is None:
        return
    if record:
        for name in session.pending:
            if name not in session.missing:
                session.missing.append(name)
    session.pending.clear()
