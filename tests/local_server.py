"""The HTTP server under the stand-ins for forges' APIs (``github_stub``, ``gitlab_stub``):
threaded, on 127.0.0.1 and a free port, quiet, each request handed to the stand-in with
its method. Nothing leaves the machine."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handle = Callable[[BaseHTTPRequestHandler, str], None]


def start(handle: Handle, methods: Iterable[str]) -> ThreadingHTTPServer:
    """A running server that answers ``methods`` (GET, POST, …) through ``handle``."""

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms wait

        def log_message(self, format: str, *args: Any) -> None:
            pass

    for method in methods:
        setattr(Handler, f"do_{method}", lambda request, m=method: handle(request, m))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def origin(server: ThreadingHTTPServer | None) -> str:
    """``http://127.0.0.1:<port>``."""
    assert server is not None
    return f"http://127.0.0.1:{server.server_port}"
