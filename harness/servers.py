"""Serve a WSGI app over real HTTP on a free loopback port, in a background thread.

Everything in the suite (stripe-python, the sendgrid library, httpx, Chromium)
talks to the app and the simulators through these sockets, never in-process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # request logs would drown test output
        pass


@dataclass
class RunningServer:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve_in_thread(
    wsgi_app: WSGIApplication, *, host: str = "127.0.0.1", port: int = 0, name: str = "wsgi"
) -> RunningServer:
    """Bind (port 0 = a free port chosen by the kernel) and serve until ``stop()``."""
    server = make_server(host, port, wsgi_app, threaded=True, request_handler=_QuietHandler)
    if not isinstance(server, ThreadedWSGIServer):  # what threaded=True makes; typed as the base class
        raise TypeError(f"make_server(threaded=True) returned a {type(server).__name__}")
    server.daemon_threads = True
    # shutdown() waits for the serve loop to notice it, at most one poll interval later; every
    # scenario stops its app, so 10 ms (not socketserver's 500 ms) keeps teardown quick.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=f"{name}:{server.server_port}", daemon=True
    )
    thread.start()
    return RunningServer(server=server, thread=thread)
