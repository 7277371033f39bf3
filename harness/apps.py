"""Start the booking service on a free port with a given database and provider settings."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask

from app_under_test import create_app
from app_under_test.config import Config
from harness import http_clients
from harness.servers import RunningServer, serve_in_thread


@dataclass
class RunningApp:
    server: RunningServer
    config: Config
    flask_app: Flask

    @property
    def url(self) -> str:
        return self.server.url

    def admin(self) -> httpx.Client:
        """An httpx client for the operator API, authenticated with this app's token."""
        return http_clients.client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.config.admin_api_token}"}
        )

    def stop(self) -> None:
        self.server.stop()
        self.flask_app.extensions["booking_db"].dispose()


def start_app(database_url: str, *, port: int = 0, **overrides: Any) -> RunningApp:
    config = Config(
        env="test",
        database_url=database_url,
        secret_key=secrets.token_hex(32),
        admin_api_token=secrets.token_hex(24),
        log_level=os.environ.get("HARNESS_APP_LOG_LEVEL", "INFO"),  # each request: evidence for a failure
        **overrides,
    )
    flask_app = create_app(config)
    server = serve_in_thread(flask_app, port=port, name="booking-app")
    config.public_base_url = server.url
    return RunningApp(server=server, config=config, flask_app=flask_app)
