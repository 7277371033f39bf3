"""``harness serve``: the app on a seeded SQLite file and the simulators, for a person to click through."""

from __future__ import annotations

import secrets
import threading

from app_under_test import create_app
from app_under_test.config import Config
from app_under_test.db import get_db
from app_under_test.migrate import upgrade
from app_under_test.seed import seed_demo
from harness.servers import serve_in_thread

from harness.cli import ROOT


def serve_forever(*, app_port: int, simulator_port: int) -> None:
    database = ROOT / "instance" / "harness.sqlite3"
    database.parent.mkdir(exist_ok=True)
    url = f"sqlite:///{database}"
    upgrade(url)
    token = secrets.token_hex(24)
    config = Config(env="development", database_url=url, secret_key=secrets.token_hex(32), admin_api_token=token,
                    public_base_url=f"http://127.0.0.1:{app_port}")
    app = create_app(config)
    with app.app_context(), get_db().transaction() as session:
        seed_demo(session)
    running = serve_in_thread(app, port=app_port, name="booking-app")
    print(f"booking app      {running.url}/")
    print(f"operator API     {running.url}/admin/api  (Authorization: Bearer {token})")
    print("press Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.stop()
