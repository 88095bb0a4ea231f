"""A fake Google Drive for tests, benchmarks and offline demos: real HTTP on localhost speaking the
Drive v3 `files.list` / `files.get?alt=media` protocol and the OAuth token endpoint, with
configurable latency, page size and faults. The real google-api-python-client talks to it."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
ACCESS_TOKEN = "fake-drive-access-token"  # noqa: S105 - what the fake token endpoint hands out


@dataclass
class Node:
    id: str
    name: str
    mime: str
    parent: str | None
    content: bytes = b""
    modified: str = "2026-11-01T10:00:00.000Z"
    drive_id: str | None = None       # set for items in a shared drive
    target: str | None = None         # shortcut target


class FakeDrive:
    def __init__(self, *, latency: float = 0.0, page_size_cap: int = 100, fault_rate: float = 0.0, seed: int = 1):
        self.latency, self.page_size_cap, self.fault_rate = latency, page_size_cap, fault_rate
        self.nodes: dict[str, Node] = {}
        self.downloads: Counter[str] = Counter()
        self.broken_downloads: set[str] = set()  # always answer 500 for these
        self.requests = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._ids = 0
        self._server: ThreadingHTTPServer | None = None
        self.root = self.add_folder("root", None)

    # --- building the tree ------------------------------------------------------------------

    def _id(self) -> str:
        self._ids += 1
        return f"id{self._ids:06d}x"

    def add_folder(self, name: str, parent: str | None, drive_id: str | None = None) -> str:
        node = Node(self._id(), name, FOLDER, parent, drive_id=drive_id)
        self.nodes[node.id] = node
        return node.id

    def add_file(self, name: str, parent: str, content: bytes, mime: str = "application/json",
                 drive_id: str | None = None) -> str:
        node = Node(self._id(), name, mime, parent, content, drive_id=drive_id)
        self.nodes[node.id] = node
        return node.id

    def add_shortcut(self, name: str, parent: str, target: str) -> str:
        node = Node(self._id(), name, SHORTCUT, parent, target=target)
        self.nodes[node.id] = node
        return node.id

    def mirror(self, folder: Path, parent: str | None = None) -> str:
        """Copy a local folder tree in; returns the new folder's id."""
        folder_id = self.add_folder(folder.name, parent or self.root)
        for path in sorted(folder.iterdir()):
            if path.is_dir():
                self.mirror(path, folder_id)
            else:
                self.add_file(path.name, folder_id, path.read_bytes())
        return folder_id

    # --- serving ----------------------------------------------------------------------------

    def start(self) -> str:
        drive = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without this, Nagle adds ~40 ms a request.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *_args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: dict) -> None:
                self._send(status, json.dumps(data).encode())

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if urlparse(self.path).path == "/token":
                    drive.requests["token"] += 1
                    self._json(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                else:
                    self._json(404, {"error": {"code": 404, "message": "not found"}})

            def do_GET(self) -> None:
                if drive.latency:
                    time.sleep(drive.latency)
                if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                    self._json(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}})
                    return
                fault = drive._fault()
                if fault:
                    self._json(*fault)
                    return
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                match = re.fullmatch(r"/drive/v3/files(?:/([^/]+))?", url.path)
                if not match:
                    self._json(404, {"error": {"code": 404, "message": "not found"}})
                elif match.group(1) is None:
                    self._json(*drive._list(query))
                else:
                    drive._get(self, match.group(1), query)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/drive/v3/"  # what DRIVE_API_ENDPOINT takes

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def token_uri(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def user_credentials(self) -> dict:
        """An OAuth user token (with refresh token) whose refresh goes to this server."""
        return {"type": "authorized_user", "client_id": "fake-client.apps.googleusercontent.com",
                "client_secret": "fake-secret", "refresh_token": "fake-refresh-token", "token_uri": self.token_uri}

    # --- behaviour --------------------------------------------------------------------------

    def _fault(self) -> tuple[int, dict] | None:
        with self._lock:
            self.requests["total"] += 1
            if not self.fault_rate or self._rng.random() >= self.fault_rate:
                return None
            kind = self._rng.choice(["429", "500", "403"])
            self.requests[f"fault_{kind}"] += 1
        if kind == "429":
            return 429, {"error": {"code": 429, "message": "Too Many Requests"}}
        if kind == "500":
            return 500, {"error": {"code": 500, "message": "Backend Error"}}
        return 403, {"error": {"code": 403, "message": "User Rate Limit Exceeded", "errors": [
            {"domain": "usageLimits", "reason": "userRateLimitExceeded", "message": "User Rate Limit Exceeded"}]}}

    def _list(self, query: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            self.requests["list"] += 1
        match = re.search(r"'([^']+)' in parents", query.get("q", ""))
        if not match:
            return 400, {"error": {"code": 400, "message": "only 'ID' in parents queries are supported"}}
        parent = self.nodes.get(match.group(1))
        if parent is None:
            return 404, {"error": {"code": 404, "message": f"File not found: {match.group(1)}."}}
        all_drives = query.get("supportsAllDrives") == "true" and query.get("includeItemsFromAllDrives") == "true"
        children = [n for n in self.nodes.values() if n.parent == parent.id and (all_drives or not n.drive_id)]
        size = min(int(query.get("pageSize", 100)), self.page_size_cap)
        start = int(query.get("pageToken") or 0)
        page = children[start:start + size]
        body: dict = {"files": [self._resource(n) for n in page]}
        if start + size < len(children):
            body["nextPageToken"] = str(start + size)
        return 200, body

    def _resource(self, node: Node) -> dict:
        data = {"id": node.id, "name": node.name, "mimeType": node.mime, "modifiedTime": node.modified}
        if node.mime == SHORTCUT and node.target:
            data["shortcutDetails"] = {"targetId": node.target, "targetMimeType": self.nodes[node.target].mime}
        elif node.mime != FOLDER:
            data["size"] = str(len(node.content))
        return data

    def _get(self, handler: BaseHTTPRequestHandler, file_id: str, query: dict[str, str]) -> None:
        node = self.nodes.get(file_id)
        if node is None or (node.drive_id and query.get("supportsAllDrives") != "true"):
            handler._json(404, {"error": {"code": 404, "message": f"File not found: {file_id}."}})
            return
        if query.get("alt") == "media":
            with self._lock:
                self.downloads[file_id] += 1
                self.requests["download"] += 1
            if file_id in self.broken_downloads:
                handler._json(500, {"error": {"code": 500, "message": "Backend Error"}})
                return
            handler._send(200, node.content, node.mime)
        else:
            handler._json(200, self._resource(node))
