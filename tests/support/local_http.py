"""A real loopback HTTP server answering GETs with JSON, for tests that script a vendor or backend."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str], tuple[int, Any]]
"""Given the request path (with query), return (status, JSON body)."""


class JsonServer:
    """Serve ``answer(path)`` as JSON on 127.0.0.1 (a free port) until :meth:`close`."""

    def __init__(self, answer: Answer) -> None:
        """Start serving at once."""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the http.server hook
                status, body = answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                """Keep the test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
