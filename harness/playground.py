"""``harness serve`` (``make serve``): the simulators and the app as two processes, on a kept SQLite database.

- The simulators run as ``simulate serve`` in a child process; the app runs under gunicorn through
  ``harness.app_process`` (the launcher every deployed-target test uses). Either can be killed on
  its own: this supervisor starts it again and says so. A restarted app keeps its port, its
  database and its configuration. Restarted simulators start empty, so the app is wired to them
  again (fresh secrets, the builders' calendars mirrored) and restarted too.
- The database (``<instance>/harness.sqlite3``) is kept between runs. Every start of the simulators
  takes the next seed from ``<instance>/simulator-seed``, so their ids (Calendly UUIDs, Stripe
  event ids) never repeat an earlier run's: bookings and webhook records already in the database
  cannot collide with new ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app_under_test import create_app
from app_under_test.config import Config
from app_under_test.db import get_db
from app_under_test.migrate import upgrade
from app_under_test.seed import seed_demo
from harness.app_process import AppProcess, start_wired_app_process
from harness.processes import Child, serve_simulators
from harness.provision import calendly
from simulators.cli import stop_on_interrupt_or_terminate
from simulators.hub import DEFAULT_SEED

ROOT = Path(__file__).resolve().parent.parent
SUPERVISE_EVERY = 0.25  # seconds between checks that both children still run (a poll each: cheap)


@dataclass(frozen=True)
class _SimulatorsAt:
    url: str


def next_seed(instance: Path) -> int:
    """The seed for this start of the simulators: one more than the last run's (the default the first time)."""
    path = instance / "simulator-seed"
    try:
        seed = int(path.read_text().strip()) + 1
    except (OSError, ValueError):
        seed = DEFAULT_SEED
    path.write_text(f"{seed}\n")
    return seed


def start_simulators(instance: Path, port: int) -> tuple[Child, str, int]:
    seed = next_seed(instance)
    child, url = serve_simulators(port=port, seed=seed)
    return child, url, seed


def wire_app(database_url: str, simulator_url: str, *, app_port: int, log_dir: Path) -> AppProcess:
    """The app process wired to the simulators, with the demo marketplace and the builders' calendars."""
    app = start_wired_app_process(database_url, simulator_url, port=app_port, log_dir=log_dir)
    flask_app = create_app(Config.from_env(app.env))
    try:
        with flask_app.app_context(), get_db().transaction() as session:
            seed_demo(session)
        calendly.mirror_builders(_SimulatorsAt(simulator_url), flask_app)
    finally:
        flask_app.extensions["booking_db"].dispose()
    return app


def serve_forever(*, app_port: int, simulator_port: int, instance: Path | None = None) -> None:
    instance = instance or ROOT / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{instance / 'harness.sqlite3'}"
    upgrade(database_url)

    stop_on_interrupt_or_terminate()  # Ctrl-C and SIGTERM stop both children, whenever they come
    simulators: Child | None = None
    app: AppProcess | None = None
    try:
        simulators, simulator_url, seed = start_simulators(instance, simulator_port)
        app = wire_app(database_url, simulator_url, app_port=app_port, log_dir=instance / "logs")
        print(f"booking app        {app.url}/   (pid {app.started().pid}, log {app.log_path})")
        print(f"operator API       {app.url}/admin/api   (Authorization: Bearer {app.admin_api_token})")
        print(f"simulators         {simulator_url}/   (pid {simulators.process.pid}, seed {seed}; journal page at /)")
        print(f"                   export SIMULATOR_URL={simulator_url}   then: simulate journal, simulate trigger ...")
        print(f"database           {database_url} (kept between runs)")
        print("either process can be killed alone: it is started again. Press Ctrl-C to stop", flush=True)
        pause = threading.Event()
        while not pause.wait(SUPERVISE_EVERY):
            if simulators.process.poll() is not None:
                print(f"simulators exited ({simulators.process.returncode}); starting them again", flush=True)
                simulators, simulator_url, seed = start_simulators(instance, simulator_port)
                port = app.port
                app.close()  # its configuration named the old simulators' secrets: wire it again, on its port
                app = None
                app = wire_app(database_url, simulator_url, app_port=port, log_dir=instance / "logs")
                print(f"simulators back at {simulator_url} (seed {seed}); the app is wired to them again", flush=True)
            elif not app.running():
                print(f"the app exited ({app.started().returncode}); starting it again", flush=True)
                app.start()
                print(f"the app is back at {app.url} (pid {app.started().pid})", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            app.close()
        if simulators is not None:
            simulators.stop()
