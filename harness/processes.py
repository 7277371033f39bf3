"""Child processes a test starts and talks to: spawn, read their banner with a deadline, stop them.

Used for ``simulate serve``, ``simulate listen`` and the verifying receiver, which
tests run as separate processes (as a developer does in separate terminals).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    """A running child whose stdout lines are collected by a reader thread."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, predicate: Callable[[str], bool], *, timeout: float = 60.0, what: str = "a line") -> str:
        """The first output line (seen so far or to come) that ``predicate`` accepts, or fail at the deadline."""
        with self._changed:
            self._changed.wait_for(
                lambda: any(predicate(line) for line in self.lines) or self.process.poll() is not None, timeout
            )
            match = next((line for line in self.lines if predicate(line)), None)
            if match is None:
                state = "exited" if self.process.poll() is not None else "running"
                raise AssertionError(f"no {what} within {timeout}s ({state}); output so far: {self.lines!r}")
            return match

    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C, then wait for the exit code (killed at the deadline)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def spawn(args: list[str], *, env: dict[str, str] | None = None) -> Child:
    """Start ``python <args>`` from the project root with unbuffered output, collecting its lines."""
    process = subprocess.Popen(
        [sys.executable, "-u", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a Ctrl-C in the terminal running the tests does not reach it twice
    )
    child = Child(process)
    threading.Thread(target=child._read, name=f"child-{process.pid}", daemon=True).start()
    return child


def run_simulate(*args: str, url: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``simulate <args>`` as a separate process against the simulator at ``url`` (through $SIMULATOR_URL)."""
    return subprocess.run(
        [sys.executable, "-m", "simulators.cli", *args],
        cwd=ROOT,
        env={**os.environ, "SIMULATOR_URL": url},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def serve_simulators(*, port: int = 0, seed: int) -> tuple[Child, str]:
    """``simulate serve`` in a child process; returns it and its base URL once it listens."""
    child = spawn(["-m", "simulators.cli", "serve", "--port", str(port), "--seed", str(seed)])
    banner = child.wait_for_line(lambda line: line.startswith("Simulators at "), what="the simulators' banner")
    return child, banner.split()[2]
