"""A fresh world per example: its own database, the app wired to the simulators, the simulators reset."""

from __future__ import annotations

import zlib

import pytest

from harness.wiring import start_wired_app
from tests.chaos.world import World


@pytest.fixture
def start_world(db_backend, request: pytest.FixtureRequest, simulator_server):
    """A function making a fresh World per example: its own database, app and reset simulators."""
    databases = request.getfixturevalue(f"{db_backend}_databases")
    made: list[tuple[str, object, World]] = []
    seed = zlib.crc32(request.node.nodeid.encode())

    def start() -> World:
        _stop(made, databases)
        url = databases.create()
        simulator_server.reset(seed + len(made))
        app = start_wired_app(url, simulator_server)
        world = World(app, simulator_server)
        made.append((url, app, world))
        return world

    yield start
    _stop(made, databases)


def _stop(made: list, databases) -> None:
    while made:
        url, app, world = made.pop()
        world.close()
        app.stop()  # type: ignore[attr-defined]
        databases.drop(url)
