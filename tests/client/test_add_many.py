"""add_many's concurrency bound, against an HTTP server that counts the POSTs it is serving at once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from movie_library import Client


class AddServer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.requests: dict[str, dict] = {}
        self.release = threading.Event()

    def post(self, movie: dict) -> dict:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        self.release.wait(0.05)  # hold each POST briefly, as a slow network would, so requests overlap
        with self.lock:
            self.in_flight -= 1
            request_id = str(uuid.uuid4())
            self.requests[request_id] = movie
        return {
            "id": request_id,
            "requestId": request_id,
            "status": "queued",
            "statusUrl": f"/api/movies/requests/{request_id}",
            "message": "Queued",
        }

    def status(self, request_id: str) -> dict:
        movie = self.requests[request_id]
        return {
            "requestId": request_id,
            "status": "created",
            "submittedAt": "2026-01-01T00:00:00Z",
            "movie": {"id": request_id, "created_at": "2026-01-01T00:00:00Z", **movie},
        }


@pytest.fixture()
def add_server() -> Iterator[tuple[AddServer, str]]:
    state = AddServer()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self._send(202, state.post(json.loads(self.rfile.read(int(self.headers["Content-Length"])))))

        def do_GET(self) -> None:
            self._send(200, state.status(self.path.rsplit("/", 1)[-1]))

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_add_many_keeps_at_most_concurrency_posts_in_flight(add_server) -> None:
    state, url = add_server
    movies = [{"title": f"Parallel {i}", "genre": "Drama", "rating": 7.0, "year": 2020} for i in range(24)]
    with Client(url, auth="t", ws_url="", poll_interval=0.05) as client:
        results = list(client.add_many(movies, concurrency=4, timeout=60))
    assert sorted(r.index for r in results) == list(range(24))
    assert {r.status for r in results} == {"created"}
    assert all(r.outcome.movie.title == movies[r.index]["title"] for r in results)
    assert 2 <= state.most <= 4
