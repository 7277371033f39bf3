"""Provider states over HTTP, so a state can hand values back to the verifier.

pact-python's built-in state callback answers with an empty body, which loses
what a state set up: the simulator chooses its own ids (``cs_test_...``,
Calendly UUIDs), and the replayed request must name them. The Pact verifier
reads a JSON object in the state-change response as *provider state injected
values* and substitutes them into requests declared with
``provider_state_path`` (``/v1/checkout/sessions/${session_id}``). This
server answers with whatever the state's setup function returns.

Every interaction starts from a clean simulator: teardown (after each
interaction) and the start of a run call ``reset``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, request

from harness.servers import RunningServer, serve_in_thread

StateSetup = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class StateServer:
    def __init__(self, setups: dict[str, StateSetup], reset: Callable[[], None]) -> None:
        self.setups = setups
        self.reset = reset
        self.errors: list[str] = []  # setup failures, for the failure message of the verification
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._server: RunningServer | None = None

    def _app(self) -> Flask:
        app = Flask("contracts.states")

        @app.post("/state")
        def change():
            body = request.get_json(silent=True) or {}
            name, action, params = body.get("state") or "", body.get("action") or "setup", body.get("params") or {}
            self.calls.append((name, action, params))
            try:
                if action == "teardown":
                    self.reset()
                    return jsonify({})
                if name == "":
                    return jsonify({})
                setup = self.setups.get(name)
                if setup is None:
                    raise LookupError(f"no provider state {name!r}; known: {', '.join(sorted(self.setups))}")
                return jsonify(setup(params) or {})
            except Exception as exc:  # noqa: BLE001 (reported to the verifier as a failed state change)
                self.errors.append(f"state {name!r} ({action}) failed: {exc}\n{traceback.format_exc()}")
                response = jsonify({"error": str(exc)})
                response.status_code = 500
                return response

        return app

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the state server is not running")
        return f"{self._server.url}/state"

    def __enter__(self) -> StateServer:
        self.reset()
        self._server = serve_in_thread(self._app(), name="pact-states")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
