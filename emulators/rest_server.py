"""A small JSON-over-HTTP server on 127.0.0.1 that routes Google REST paths to handlers (the Vertex stand-in's core)."""

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse


@dataclass
class Request:
    """One request: method, percent-decoded path, query and parsed JSON body."""

    method: str
    path: str
    query: dict
    body: dict

    def arg(self, name: str, default: str = "") -> str:
        """The first value of query parameter name."""
        return self.query.get(name, [default])[0]


class ApiError(Exception):
    """A Google-style error answer (status code, status name, message)."""

    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found")


class RestServer:
    """Routes (method, full-match path regex) to handler(request, match) -> JSON-able body."""

    def __init__(self):
        self.routes: list = []
        self.lock = threading.RLock()  # handlers run in threads; state changes take this lock

    def route(self, method: str, pattern: str):
        def register(handler):
            self.routes.append((method, re.compile(pattern), handler))
            return handler
        return register

    def dispatch(self, request: Request) -> tuple[int, dict]:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                try:
                    with self.lock:
                        return 200, handler(request, match)
                except ApiError as error:
                    return error.code, {"error": {"code": error.code, "status": error.status, "message": error.message}}
        return 404, {"error": {"code": 404, "status": "NOT_FOUND",
                               "message": f"the Vertex AI stand-in has no route {request.method} {request.path}"}}

    def serve(self, port: int) -> ThreadingHTTPServer:
        """Bind 127.0.0.1:port (0 = any free one) and return the server; call serve_forever() on it."""
        rest = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def _handle(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except json.JSONDecodeError:
                    body = {}
                status, answer = rest.dispatch(Request(self.command, unquote(url.path), parse_qs(url.query), body))
                send_json(self, status, answer)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def send_json(handler: BaseHTTPRequestHandler, status: int, body) -> None:
    """Answer the handler's request with status and body as JSON (the one reply shape of every REST edge here)."""
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
