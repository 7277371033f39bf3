"""The booking service as its own process under its production server, configured only by its environment.

``harness.apps`` runs the app in a thread of the test process: fast, and tests may look inside.
A deployment is different: ``booking-app serve`` (gunicorn, pre-forked workers with threads) in
a process of its own, which can crash, be killed or be restarted while the providers keep
delivering. Everything that needs that (a deployed target, ``make serve``, the fault and storm
tests) starts the app through this module.

The listening socket is made here and handed to gunicorn as ``fd://N``: the port is chosen
without a race, stays reserved while the app is down, and connections that arrive during a
restart wait in the socket's backlog rather than being refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import httpx

from app_under_test import create_app
from app_under_test.config import Config
from app_under_test.migrate import upgrade
from harness import http_clients
from harness.provision import PROVIDERS, Simulators
from harness.waiting import wait_until

START_TIMEOUT = 60.0  # seconds for gunicorn to fork its workers and answer /readyz (slow under a loaded CI)


@dataclass(frozen=True)
class _SimulatorsAt:
    url: str


def _provider_modules() -> list[ModuleType]:
    import importlib

    return [importlib.import_module(f"harness.provision.{name}") for name in PROVIDERS]


def wired_environment(database_url: str, simulator_url: str, app_url: str, **overrides: object) -> dict[str, str]:
    """The environment a separately started app needs to work against the simulators at ``simulator_url``.

    Does the operator's part first, as ``harness.wiring`` does for an in-process app: the provider
    accounts in the simulators, then the app's own commands (webhook endpoint and subscription,
    mail templates, the signed Event Webhook), run through a throwaway app instance that has the
    same configuration. What those commands print ends up in the returned variables.
    """
    sim = _SimulatorsAt(simulator_url.rstrip("/"))
    settings: dict[str, Any] = {}  # Config field -> value, from each provider's settings()
    modules = _provider_modules()
    for module in modules:
        settings.update(module.settings(sim))
    settings.update(overrides)
    config = Config(
        env="test",
        database_url=database_url,
        public_base_url=app_url.rstrip("/"),
        secret_key=secrets.token_hex(32),
        admin_api_token=secrets.token_hex(24),
        **settings,
    )
    provisioning_app = create_app(config)
    try:
        for module in modules:
            module.connect(sim, config, provisioning_app)
    finally:
        provisioning_app.extensions["booking_db"].dispose()
    return config.to_env()


def _listening_socket(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def live_processes_in_group(group: int) -> list[int]:
    """Process ids in ``group`` that still run (zombies waiting for a reaper do not count)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its closing parenthesis
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


@dataclass
class AppProcess:
    """``booking-app serve`` in a child process on a socket this object owns (see the module docstring)."""

    env: dict[str, str]
    listener: socket.socket
    log_path: Path
    workers: int = 2
    threads: int = 4
    timeout: int = 30
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def port(self) -> int:
        port: int = self.listener.getsockname()[1]  # (host, port) for the IPv4 socket it is
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_api_token(self) -> str:
        return self.env["ADMIN_API_TOKEN"]

    def admin(self) -> httpx.Client:
        """An httpx client for the operator API, authenticated with this app's token."""
        return http_clients.client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.admin_api_token}"}
        )

    def started(self) -> subprocess.Popen[bytes]:
        """The app's process, once ``start`` has made one (it may have exited since)."""
        if self.process is None:
            raise RuntimeError("the app has not been started")
        return self.process

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start (or start again) on the same port; returns once ``/readyz`` answers 200."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"the app is already running (pid {self.process.pid})")
        fd = self.listener.fileno()
        command = [
            sys.executable,
            "-m",
            "app_under_test.cli",
            "serve",
            f"--bind=fd://{fd}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            f"--timeout={self.timeout}",
        ]
        with self.log_path.open("ab") as log:
            # A session of its own, so kill() reaches the workers too, never the test process.
            self.process = subprocess.Popen(
                command,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
            )
        wait_until(self._ready, timeout=START_TIMEOUT, what=f"the app on {self.url} to answer /readyz")

    def _ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            code = self.process.returncode if self.process is not None else None
            raise RuntimeError(f"the app exited with {code} while starting:\n{self.log_tail()}")
        try:
            return http_clients.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM: gunicorn finishes the requests in flight, then exits."""
        if not self.running():
            return
        process = self.process
        assert process is not None
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a crash, nothing gets to clean up."""
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(lambda: not live_processes_in_group(group), timeout=10, what=f"process group {group} to end")

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def close(self) -> None:
        """Stop the app and give the port back."""
        self.stop()
        self.listener.close()

    def __enter__(self) -> AppProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _log_path(log_dir: Path | None, port: int) -> Path:
    """A new file per app: ``log_dir``, else ``$HARNESS_APP_LOGS``, else the system's temporary folder."""
    folder = log_dir or Path(os.environ.get("HARNESS_APP_LOGS") or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f"booking-app-{port}-", suffix=".log", dir=folder)
    os.close(handle)
    return Path(path)


def start_app_process(
    database_url: str,
    *,
    env: dict[str, str] | None = None,
    workers: int = 2,
    threads: int = 4,
    timeout: int = 30,
    port: int = 0,
    log_dir: Path | None = None,
) -> AppProcess:
    """The app on its own (no providers wired): the database migrated, then gunicorn started.

    ``env`` adds to or overrides the test configuration (``Config.to_env`` names).
    """
    listener = _listening_socket(port)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    base = Config(
        env="test",
        database_url=database_url,
        public_base_url=url,
        secret_key=secrets.token_hex(32),
        admin_api_token=secrets.token_hex(24),
    ).to_env()
    return _launch(base | (env or {}), listener, workers=workers, threads=threads, timeout=timeout, log_dir=log_dir)


def start_wired_app_process(
    database_url: str,
    simulators: Simulators | str,
    *,
    workers: int = 2,
    threads: int = 4,
    timeout: int = 30,
    port: int = 0,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> AppProcess:
    """The app as its own process, wired to the simulators as ``harness.wiring`` wires an in-process one."""
    simulator_url = simulators if isinstance(simulators, str) else simulators.url
    listener = _listening_socket(port)
    try:
        env = wired_environment(database_url, simulator_url, f"http://127.0.0.1:{listener.getsockname()[1]}")
    except BaseException:
        listener.close()
        raise
    return _launch(
        env | (extra_env or {}), listener, workers=workers, threads=threads, timeout=timeout, log_dir=log_dir
    )


def _launch(
    env: dict[str, str], listener: socket.socket, *, workers: int, threads: int, timeout: int, log_dir: Path | None
) -> AppProcess:
    app = AppProcess(
        env=env,
        listener=listener,
        log_path=_log_path(log_dir, listener.getsockname()[1]),
        workers=workers,
        threads=threads,
        timeout=timeout,
    )
    try:
        upgrade(env["DATABASE_URL"])  # what `booking-app db-upgrade` does before a deployment starts
        app.start()
    except BaseException:
        app.close()
        raise
    return app
