"""A tiny HTTP server on 127.0.0.1 that answers Google REST calls from handlers and records every request.

It stands in for the network edge of services with no emulator (Vertex AI, BigQuery): the real client
libraries send their real requests here, and the tests assert what was sent.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

from emulators.rest_server import send_json

PROJECT, REGION = "demo-project", "europe-west4"  # the project and region every GCP test uses


@dataclass
class RecordedRequest:
    """One request as the client sent it."""

    method: str
    path: str  # percent-decoded (the client sends models/m@1 as models/m%401)
    query: dict
    headers: dict  # names lowercased
    body: bytes

    @property
    def json(self) -> dict:
        """The body parsed as JSON ({} when empty)."""
        return json.loads(self.body) if self.body else {}


@dataclass
class FakeRestServer:
    """Routes (method, path regex) to handlers returning (status, JSON-able body); unknown routes get a 404."""

    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    routes: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # exceptions raised by handlers

    def route(self, method: str, pattern: str):
        """Register handler(request, match) -> (status, body) for method and a full-match path regex."""

        def register(handler):
            self.routes.append((method, re.compile(pattern), handler))
            return handler

        return register

    def calls(self, method: str | None = None, path_contains: str = "") -> list[RecordedRequest]:
        """Recorded requests, optionally only those with this method and a path containing path_contains."""
        return [r for r in self.requests if (method is None or r.method == method) and path_contains in r.path]

    def start(self) -> "FakeRestServer":
        """Serve on a free port of 127.0.0.1 in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _handle(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = RecordedRequest(self.command, unquote(url.path), parse_qs(url.query), headers,
                                          self.rfile.read(length) if length else b"")
                fake.requests.append(request)
                status, body = 404, {"error": {"code": 404, "message": f"no fake route for {url.path}",
                                               "status": "NOT_FOUND"}}
                for method, pattern, handler in fake.routes:
                    match = pattern.fullmatch(request.path)
                    if method == self.command and match:
                        try:
                            status, body = handler(request, match)
                        except Exception as error:  # a broken fake must fail the test, not make the client retry
                            fake.errors.append(error)
                            status, body = 400, {"error": {"code": 400, "message": f"fake failed: {error!r}",
                                                           "status": "INVALID_ARGUMENT"}}
                        break
                send_json(self, status, body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        assert self._server.server_address[0] == "127.0.0.1", "fake Google endpoints must bind to 127.0.0.1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def endpoint(self) -> str:
        """host:port of the running server."""
        return f"{self.host}:{self._server.server_address[1]}"

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()


def not_found(message: str) -> tuple[int, dict]:
    """A Google-style 404 answer."""
    return 404, {"error": {"code": 404, "message": message, "status": "NOT_FOUND"}}
