"""A real HTTP server that answers from a script, for the answers the local stack cannot be made to give
on demand (500, a 429 with Retry-After, a 503 that then recovers)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeApi:
    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], Any]] = []  # answers, in order; the last one repeats
        self.seen: list[dict[str, Any]] = []

    def answer(self, status: int, body: Any, **headers: str) -> FakeApi:
        self.script.append((status, headers, body))
        return self

    def next(self) -> tuple[int, dict[str, str], Any]:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


@contextmanager
def fake_api() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            api.seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length).decode() if length else "",
                }
            )
            status, headers, body = api.next()
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
