"""The simulators as the harness uses them: one server per test session, reset per test."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from harness import http_clients
from harness.servers import RunningServer, serve_in_thread
from simulators.hub import SimHub
from simulators.server import Simulator, create_simulator


@dataclass
class SimulatorHandle:
    simulator: Simulator
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def hub(self) -> SimHub:
        return self.simulator.hub

    def control(self) -> httpx.Client:
        """An httpx client on the control API (``/_sim``)."""
        return http_clients.client(base_url=f"{self.url}/_sim", timeout=30)

    def reset(self, seed: int) -> None:
        response = http_clients.post(f"{self.url}/_sim/reset", json={"seed": seed}, timeout=30)
        response.raise_for_status()

    def stop(self) -> None:
        self.server.stop()


def start_simulator(*, seed: int, auto_deliver: bool = True, read_timeout: float | None = None) -> SimulatorHandle:
    simulator = create_simulator(seed=seed, auto_deliver=auto_deliver, read_timeout=read_timeout)
    return SimulatorHandle(simulator, serve_in_thread(simulator.wsgi_app, name="simulators"))
