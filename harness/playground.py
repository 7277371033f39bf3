"""``harness serve``: the simulators and the app (seeded SQLite file), wired together, for a person to explore.

The app is wired exactly as in the tests (``harness.wiring``), so a developer can
book through the pages, watch webhooks arrive, and fire faults with the
``simulate`` CLI against the same processes.
"""

from __future__ import annotations

import threading
from pathlib import Path

from app_under_test.db import get_db
from app_under_test.migrate import upgrade
from app_under_test.seed import seed_demo
from harness.provision import calendly
from harness.servers import serve_in_thread
from harness.simulator import SimulatorHandle
from harness.wiring import start_wired_app
from simulators.server import create_simulator

ROOT = Path(__file__).resolve().parent.parent


def serve_forever(*, app_port: int, simulator_port: int) -> None:
    database = ROOT / "instance" / "harness.sqlite3"
    database.parent.mkdir(exist_ok=True)
    url = f"sqlite:///{database}"
    upgrade(url)

    simulator = create_simulator(auto_deliver=True)
    sim = SimulatorHandle(simulator, serve_in_thread(simulator.wsgi_app, port=simulator_port, name="simulators"))
    app = start_wired_app(url, sim, port=app_port)
    with app.flask_app.app_context(), get_db().transaction() as session:
        seed_demo(session)
    calendly.mirror_builders(sim, app.flask_app)  # the builders' calendars live in the (fresh) simulator

    print(f"booking app        {app.url}/")
    print(f"operator API       {app.url}/admin/api   (Authorization: Bearer {app.config.admin_api_token})")
    print(f"simulators         {sim.url}/   (control API {sim.url}/_sim, try: simulate journal)")
    print("press Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        app.stop()
        sim.stop()
