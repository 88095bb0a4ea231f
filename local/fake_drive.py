"""A strict fake Google Drive for tests, benchmarks and offline demos.

Real HTTP on localhost speaking the parts of Drive v3 the ETL uses — `files.list`, `files.get`
(metadata and `alt=media`), `changes.getStartPageToken`, `changes.list` — and Google's OAuth token
endpoint; the real google-api-python-client talks to it. It is as unkind as Drive where the ETL
depends on it:

- a parent the caller can't see lists as empty (no 404); access is per principal (the OAuth user,
  a service account), by ownership, sharing (inherited by children) or link — link access needs the
  item's resource key in `X-Goog-Drive-Resource-Keys` when it has one, and service accounts get none;
- `fields` is honoured (a field not asked for is missing; a name the discovery document does not know is
  400 invalidParameter), `q` is parsed (`'id' in parents`,
  `trashed`, `mimeType`, `name`, and/or/not/parentheses; anything else is 400);
- `corpora`: `allDrives` answers `incompleteSearch: true` and leaves shared-drive items out; `drive`
  answers 404 "Shared drive not found" to anyone who is not a member of the drive (`drive_members`);
- change logs: the user's log covers what the caller owns or was shared directly (not link-only items),
  has `changeType: drive` entries for the shared drives the caller belongs to (`drive_changed`), and
  `removed: true` tombstones when access is lost (`unshare`); each shared drive keeps its own log
  (`driveId`), which is the only one with its items for members;
- `rename()` is a metadata-only change; trashing a folder trashes (and logs) everything under it;
- downloads can be refused for good (403 `cannotDownloadAbusiveFile`, `cannotDownloadFile` with
  `capabilities.canDownload` false) or race a deletion (404); pages can be short or empty and still
  carry a `nextPageToken` (`ragged_pages`);
- Google-native types and folders answer 403 `fileNotDownloadable` to `alt=media`;
- errors carry both the `errors` list and, for rate limits, the newer `details` (ErrorInfo) list;
- page tokens and change tokens can be made to expire;
- every file version has its own `modifiedTime`, `md5Checksum` and `headRevisionId`;
- the token endpoint verifies a service account's signed JWT assertion and a user's refresh token,
  and access tokens can be revoked mid-run (the next call answers 401 and the client must refresh).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
NATIVE_PREFIX = "application/vnd.google-apps."
DOC = "application/vnd.google-apps.document"
USER = "librarian@example.com"
SERVICE_ACCOUNT = "movie-etl@fake-project.iam.gserviceaccount.com"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
DRIVE_SCOPES = {"https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.readonly"}
_EPOCH = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
_KEY_CACHE: dict[str, tuple[str, str]] = {}
_SCHEMA_CACHE: dict[str, Any] = {}


def _rsa_key() -> tuple[str, str]:
    """(private PEM, public PEM), made once per process: key generation is slow-ish."""
    if "k" not in _KEY_CACHE:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public = (
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        )
        _KEY_CACHE["k"] = (private, public)
    return _KEY_CACHE["k"]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        location: str | None = None,
        details: list[dict] | None = None,
        grpc_status: str | None = None,
    ):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.location, self.details, self.grpc_status = location, details, grpc_status

    def body(self) -> dict:
        item: dict[str, Any] = {"domain": "global", "reason": self.reason, "message": self.message}
        if self.location:
            item.update(locationType="parameter", location=self.location)
        error: dict[str, Any] = {"code": self.status, "message": self.message, "errors": [item]}
        if self.grpc_status:
            error["status"] = self.grpc_status
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def not_found(file_id: str) -> ApiError:
    return ApiError(404, "notFound", f"File not found: {file_id}.", "fileId")


def rate_limit_error(newer_format: bool) -> ApiError:
    if not newer_format:
        return ApiError(403, "userRateLimitExceeded", "User Rate Limit Exceeded")
    # What Drive answers through Google's newer front end: the ErrorInfo in `details` comes first.
    return ApiError(
        403,
        "rateLimitExceeded",
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service "
        "'drive.googleapis.com' for consumer 'project_number:1'.",
        grpc_status="PERMISSION_DENIED",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {"service": "drive.googleapis.com", "quota_metric": "drive.googleapis.com/default"},
            }
        ],
    )


# --- `fields` ---------------------------------------------------------------------------------


def parse_fields(text: str) -> dict[str, Any]:
    """'a, b(c, d/e), f' -> {'a': None, 'b': {'c': None, 'd': {'e': None}}, 'f': None}; None = whole value."""
    pos = 0

    def parse_list(end: str | None) -> dict[str, Any]:
        nonlocal pos
        tree: dict[str, Any] = {}
        while pos < len(text):
            while pos < len(text) and text[pos] in " ,":
                pos += 1
            if pos < len(text) and end and text[pos] == end:
                pos += 1
                return tree
            match = re.compile(r"[A-Za-z_*][\w*]*(?:/[A-Za-z_*][\w*]*)*").match(text, pos)
            if not match:
                raise ApiError(400, "invalidParameter", f"Invalid field selection {text}", "fields")
            pos = match.end()
            names = match.group(0).split("/")
            sub: Any = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
            for name in reversed(names[1:]):
                sub = {name: sub}
            _merge(tree, names[0], sub)
        if end:
            raise ApiError(400, "invalidParameter", f"Invalid field selection {text}", "fields")
        return tree

    return parse_list(None)


def _discovery_schemas() -> dict[str, Any]:
    """Drive v3's schemas from the discovery document that ships with the pinned client library."""
    if "schemas" not in _SCHEMA_CACHE:
        import googleapiclient

        path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "drive.v3.json"
        _SCHEMA_CACHE["schemas"] = json.loads(path.read_text())["schemas"]
    return _SCHEMA_CACHE["schemas"]


def check_fields(tree: dict[str, Any], schema: str, text: str) -> None:
    """Drive answers 400 invalidParameter to a field name its resource does not have."""
    _check_fields(tree, _discovery_schemas()[schema], text)


def _check_fields(tree: dict[str, Any], schema: dict[str, Any], text: str) -> None:
    schemas = _discovery_schemas()
    while "$ref" in schema or schema.get("type") == "array":
        schema = schemas[schema["$ref"]] if "$ref" in schema else schema["items"]
    properties = schema.get("properties", {})
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in properties:
            raise ApiError(400, "invalidParameter", f"Invalid field selection {name}", "fields")
        if sub is not None:
            _check_fields(sub, properties[name], text)


def _merge(tree: dict[str, Any], name: str, sub: Any) -> None:
    if name not in tree:
        tree[name] = sub
    elif tree[name] is None or sub is None:
        tree[name] = None
    else:
        for key, value in sub.items():
            _merge(tree[name], key, value)


def select(value: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if isinstance(value, dict):
        return {k: select(v, tree[k]) for k, v in value.items() if k in tree}
    return value


# --- `q` --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op>!=|=|\(|\))|(?P<word>[A-Za-z]+))")


def parse_q(text: str) -> tuple[Callable[[Node], bool], set[str]]:
    """A predicate for the query and the parent ids it names (so listing can start from children)."""
    parser = _QueryParser(text, _tokens(text))
    predicate = parser.either() if parser.tokens else (lambda n: True)
    if parser.index != len(parser.tokens):
        raise _invalid_q(text)
    return predicate, parser.parents


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _invalid_q(text)
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _QueryParser:
    """Recursive descent over Drive's q grammar: `or` binds looser than `and`, then `not`, parentheses
    and the conditions the ETL uses."""

    def __init__(self, text: str, tokens: list[tuple[str, str]]):
        self.text, self.tokens, self.index = text, tokens, 0
        self.parents: set[str] = set()

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if not token[0]:
            raise _invalid_q(self.text)
        self.index += 1
        return token

    def joined(
        self, word: str, operand: Callable[[], Callable[[Node], bool]], combine: Callable[[Iterable[bool]], bool]
    ) -> Callable[[Node], bool]:
        """operand (word operand)*."""
        parts = [operand()]
        while self.peek() == ("word", word):
            self.take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else (lambda n: combine(p(n) for p in parts))

    def either(self) -> Callable[[Node], bool]:
        return self.joined("or", self.both, any)

    def both(self) -> Callable[[Node], bool]:
        return self.joined("and", self.unary, all)

    def unary(self) -> Callable[[Node], bool]:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda n: not inner(n)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.either()
            if self.take() != ("op", ")"):
                raise _invalid_q(self.text)
            return inner
        return self.condition()

    def condition(self) -> Callable[[Node], bool]:
        first = self.take()
        if first[0] == "str" and self.take() == ("word", "in") and self.take() == ("word", "parents"):
            parent = first[1]
            self.parents.add(parent)
            return lambda n: n.parent == parent
        if first == ("word", "trashed"):
            return self.trashed()
        if first in (("word", "mimeType"), ("word", "name")):
            return self.attribute("mime" if first[1] == "mimeType" else "name")
        raise _invalid_q(self.text)

    def trashed(self) -> Callable[[Node], bool]:
        op, value = self.take(), self.take()
        if op[0] != "op" or op[1] not in ("=", "!=") or value not in (("word", "true"), ("word", "false")):
            raise _invalid_q(self.text)
        wanted = (value[1] == "true") == (op[1] == "=")
        return lambda n: n.trashed == wanted

    def attribute(self, attr: str) -> Callable[[Node], bool]:
        op, value = self.take(), self.take()
        if value[0] != "str" or op not in (("op", "="), ("op", "!="), ("word", "contains")):
            raise _invalid_q(self.text)
        if op[1] == "contains":
            return lambda n: value[1] in getattr(n, attr)
        equal = op[1] == "="
        return lambda n: (getattr(n, attr) == value[1]) == equal


def _invalid_q(text: str) -> ApiError:
    return ApiError(400, "invalid", f"Invalid Value: q={text!r}", "q")


# --- the drive --------------------------------------------------------------------------------


@dataclass
class Node:
    id: str
    name: str
    mime: str
    parent: str | None
    content: bytes = b""
    drive_id: str | None = None  # set for items in a shared drive
    target: str | None = None  # shortcut target
    owner: str = USER
    readers: set[str] = field(default_factory=set)
    link_shared: bool = False
    resource_key: str | None = None
    trashed: bool = False
    trashed_by_parent: bool = False  # trashed because a folder above was (Drive: File.trashed is true then too)
    deleted: bool = False
    version: int = 0
    modified: str = ""
    md5: str | None = None
    head_revision: str | None = None

    @property
    def native(self) -> bool:
        return self.mime.startswith(NATIVE_PREFIX)


class FakeDrive:
    def __init__(self, *, latency: float = 0.0, page_size_cap: int = 100, fault_rate: float = 0.0, seed: int = 1):
        self.latency, self.page_size_cap, self.fault_rate = latency, page_size_cap, fault_rate
        self.nodes: dict[str, Node] = {}
        self.children: dict[str, list[str]] = defaultdict(list)
        self.downloads: Counter[str] = Counter()
        self.broken_downloads: set[str] = set()  # always answer 500 for these
        self.abusive: set[str] = set()  # flagged as malware: 403 cannotDownloadAbusiveFile, for good
        self.download_restricted: set[str] = set()  # capabilities.canDownload false: 403 cannotDownloadFile
        self.vanish_on_download: set[str] = set()  # deleted between listing and download: 404 on alt=media
        self.drive_members: dict[str, set[str]] = defaultdict(set)  # shared drive id -> its members
        self.ragged_pages = False  # short and empty pages that still carry a nextPageToken
        self._ragged = 0
        self._lost_access: dict[str, set[str]] = defaultdict(set)  # item id -> principals it was unshared from
        self.requests: Counter[str] = Counter()
        self.injected: list[ApiError] = []  # answered, in order, to the next API calls
        self.reject_page_tokens = 0  # the next N calls that carry a pageToken get 400
        self.revoke_tokens_after: int | None = None  # after N more API calls every access token stops working
        self._change_floor = 1  # change tokens below this are expired
        self._changes: list[str] = []  # file ids in order of change
        self._tokens: dict[str, str] = {}  # access token -> principal
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._prefix = secrets.token_hex(3)  # ids differ between instances, like Drive's
        self._ids = 0
        self._clock = 0
        self._server: ThreadingHTTPServer | None = None
        self.client_id, self.client_secret = "fake-client.apps.googleusercontent.com", "fake-secret"
        self.refresh_token = "fake-refresh-token-" + secrets.token_hex(4)
        self.private_key, self.public_key = _rsa_key()
        self.key_id = secrets.token_hex(8)
        self.root = self.add_folder("My Drive", None)

    # --- building and changing the tree -----------------------------------------------------

    def _id(self) -> str:
        self._ids += 1
        return f"f{self._prefix}{self._ids:07d}"

    def _new_version(self, node: Node) -> None:
        """A new version: its own modifiedTime, checksum and revision, and an entry in the changes feed."""
        self._clock += 1
        node.version += 1
        node.modified = (_EPOCH + timedelta(seconds=self._clock)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if not node.native:
            node.md5 = hashlib.md5(node.content).hexdigest()  # noqa: S324 - what Drive reports
            node.head_revision = f"0B{hashlib.sha1(f'{node.id}:{node.version}'.encode()).hexdigest()[:24]}"  # noqa: S324
        self._changed(node.id)

    def _changed(self, node_id: str) -> None:
        self._changes.append(node_id)

    def _add(self, node: Node) -> str:
        self.nodes[node.id] = node
        if node.parent:
            self.children[node.parent].append(node.id)
        self._new_version(node)
        return node.id

    def add_folder(self, name: str, parent: str | None, drive_id: str | None = None, owner: str = USER) -> str:
        return self._add(Node(self._id(), name, FOLDER, parent, drive_id=drive_id, owner=owner))

    def add_file(
        self,
        name: str,
        parent: str,
        content: bytes,
        mime: str = "application/json",
        drive_id: str | None = None,
        owner: str | None = None,
    ) -> str:
        owner = owner or (self.nodes[parent].owner if parent in self.nodes else USER)
        return self._add(Node(self._id(), name, mime, parent, content, drive_id=drive_id, owner=owner))

    def add_shortcut(self, name: str, parent: str, target: str) -> str:
        return self._add(Node(self._id(), name, SHORTCUT, parent, target=target))

    def update_file(self, file_id: str, content: bytes) -> None:
        self.nodes[file_id].content = content
        self._new_version(self.nodes[file_id])

    def move(self, item_id: str, new_parent: str) -> None:
        node = self.nodes[item_id]
        self.children[node.parent or ""].remove(item_id)
        node.parent = new_parent
        self.children[new_parent].append(item_id)
        self._clock += 1
        self._changed(item_id)

    def rename(self, item_id: str, name: str) -> None:
        """A metadata-only change: a new name, same content and version."""
        self.nodes[item_id].name = name
        self._changed(item_id)

    def trash(self, item_id: str) -> None:
        """Trashing a folder trashes what is under it too: each of those reads trashed and has a change."""
        self.nodes[item_id].trashed = True
        self._changed(item_id)
        stack = list(self.children.get(item_id, []))
        while stack:
            node = self.nodes[stack.pop()]
            if not node.trashed:
                node.trashed = node.trashed_by_parent = True
                self._changed(node.id)
            stack.extend(self.children.get(node.id, []))

    def drive_changed(self, drive_id: str) -> None:
        """A shared drive itself changed (renamed, membership): a changeType 'drive' entry, no fileId."""
        self._changes.append(f"drive:{drive_id}")

    def unshare(self, item_id: str, principal: str) -> None:
        """The caller loses access: its change log gets removed tombstones for the item and what is under it."""
        self.nodes[item_id].readers.discard(principal)
        stack = [item_id]
        while stack:
            node = self.nodes[stack.pop()]
            self._lost_access[node.id].add(principal)
            self._changed(node.id)
            stack.extend(self.children.get(node.id, []))

    def delete(self, item_id: str) -> None:
        node = self.nodes[item_id]
        node.deleted = True
        self.children[node.parent or ""].remove(item_id)
        self._changed(item_id)

    def share(self, item_id: str, principal: str) -> None:
        self.nodes[item_id].readers.add(principal)

    def share_by_link(self, item_id: str, with_resource_key: bool = True) -> None:
        """'Anyone with the link'; items from before 2021's security update also need their resource key."""
        node = self.nodes[item_id]
        node.link_shared = True
        stack = [item_id]
        while with_resource_key and stack:
            current = self.nodes[stack.pop()]
            current.resource_key = current.resource_key or f"0-{secrets.token_urlsafe(9)}"
            stack.extend(self.children.get(current.id, []))

    def expire_page_tokens(self, count: int = 1) -> None:
        self.reject_page_tokens = count

    def expire_change_tokens(self) -> None:
        self._change_floor = len(self._changes) + 1

    def mirror(self, folder: Path, parent: str | None = None) -> str:
        """Copy a local folder tree in; returns the new folder's id."""
        folder_id = self.add_folder(folder.name, parent or self.root)
        for path in sorted(folder.iterdir()):
            if path.is_dir():
                self.mirror(path, folder_id)
            else:
                self.add_file(path.name, folder_id, path.read_bytes())
        return folder_id

    # --- credentials ------------------------------------------------------------------------

    @property
    def token_uri(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def user_credentials(self) -> dict:
        """An OAuth user token (with refresh token) for USER whose refresh goes to this server."""
        return {
            "type": "authorized_user",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": self.token_uri,
        }

    def service_account_info(self) -> dict:
        """A service-account key for SERVICE_ACCOUNT; the token endpoint checks its signed assertions."""
        return {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": self.key_id,
            "private_key": self.private_key,
            "client_email": SERVICE_ACCOUNT,
            "client_id": "100000000000000000001",
            "token_uri": self.token_uri,
        }

    def revoke_access_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _grant(self, form: dict[str, str]) -> tuple[int, dict]:
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
                return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
            if form.get("refresh_token") != self.refresh_token:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            principal = USER
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            from google.auth import exceptions, jwt

            try:
                # Google wants its own token endpoint as the audience, wherever the request is sent.
                claims = jwt.decode(  # type: ignore[no-untyped-call]  # google-auth leaves decode unannotated
                    form.get("assertion", ""), certs={self.key_id: self.public_key}, audience=GOOGLE_TOKEN_AUDIENCE
                )
            except (ValueError, exceptions.GoogleAuthError) as exc:
                return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT Signature. ({exc})"}
            if claims.get("iss") != SERVICE_ACCOUNT:
                return 400, {"error": "invalid_grant", "error_description": "Invalid issuer."}
            if not DRIVE_SCOPES & set(str(claims.get("scope", "")).split()):
                return 400, {"error": "invalid_scope", "error_description": "No Drive scope requested."}
            principal = SERVICE_ACCOUNT
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}
        token = "ya29.fake-" + secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = principal
            self.requests[f"token_{'user' if principal == USER else 'service_account'}"] += 1
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer", "scope": " ".join(sorted(DRIVE_SCOPES))}

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

            def send(self, status: int, body: bytes, content_type: str = "application/json; charset=UTF-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def json(self, status: int, data: dict) -> None:
                self.send(status, json.dumps(data).encode())

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if urlparse(self.path).path == "/token":
                    self.json(*drive._grant({k: v[-1] for k, v in parse_qs(raw).items()}))
                else:
                    self.json(*_as_reply(not_found(self.path)))

            def do_GET(self) -> None:
                if drive.latency:
                    time.sleep(drive.latency)
                try:
                    status, body, content_type = drive._serve(self.path, self.headers)
                except ApiError as exc:
                    status, body, content_type = exc.status, json.dumps(exc.body()).encode(), None
                if status == 401:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send(status, body, content_type or "application/json; charset=UTF-8")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/drive/v3/"  # what DRIVE_API_ENDPOINT takes

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- behaviour --------------------------------------------------------------------------

    def _principal(self, headers: Any) -> str:
        auth = headers.get("Authorization") or ""
        with self._lock:
            self.requests["total"] += 1
            if self.revoke_tokens_after is not None:
                self.revoke_tokens_after -= 1
                if self.revoke_tokens_after < 0:
                    self._tokens.clear()
                    self.revoke_tokens_after = None
            principal = self._tokens.get(auth.removeprefix("Bearer "))
        if principal is None:
            self.requests["unauthorized"] += 1
            raise ApiError(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                "Authorization",
                grpc_status="UNAUTHENTICATED",
            )
        return principal

    def _fault(self) -> None:
        with self._lock:
            if self.injected:
                raise self.injected.pop(0)
            if not self.fault_rate or self._rng.random() >= self.fault_rate:
                return
            kind = self._rng.choice(["429", "500", "403", "403new"])
            self.requests[f"fault_{kind}"] += 1
        if kind == "429":
            raise ApiError(429, "rateLimitExceeded", "Too Many Requests", grpc_status="RESOURCE_EXHAUSTED")
        if kind == "500":
            raise ApiError(500, "backendError", "Backend Error")
        raise rate_limit_error(newer_format=kind == "403new")

    def _serve(self, path: str, headers: Any) -> tuple[int, bytes, str | None]:
        principal = self._principal(headers)
        self._fault()
        url = urlparse(path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        keys = _resource_keys(headers.get("X-Goog-Drive-Resource-Keys") or "")
        route = url.path.removeprefix("/drive/v3")
        if route == "/files":
            return 200, self._list(principal, query, keys), None
        if route == "/changes/startPageToken":
            with self._lock:
                self.requests["changes"] += 1
            if query.get("driveId") and principal not in self.drive_members.get(query["driveId"], set()):
                raise ApiError(404, "notFound", f"Shared drive not found: {query['driveId']}", "driveId")
            body = {"kind": "drive#startPageToken", "startPageToken": str(len(self._changes) + 1)}
            return 200, json.dumps(body).encode(), None
        if route == "/changes":
            return 200, self._list_changes(principal, query), None
        match = re.fullmatch(r"/files/([^/]+)", route)
        if not match:
            raise ApiError(404, "notFound", "Not Found")
        return self._get(principal, match.group(1), query, keys)

    def _can_read(self, principal: str, node: Node, keys: dict[str, str], key_of: Node | None = None) -> bool:
        """Owner or shared (inherited from folders above); by link only for users, and only with the
        resource key of key_of (the item itself for a get, the listed folder for a listing) if it has one."""
        if node.deleted:
            return False
        if self._shared_directly(principal, node):
            return True
        if principal == SERVICE_ACCOUNT:
            return False
        key_of = key_of or node
        if key_of.resource_key is not None and keys.get(key_of.id) != key_of.resource_key:
            return False
        current: Node | None = node
        while current is not None:
            if current.link_shared:
                return True
            current = self.nodes.get(current.parent) if current.parent else None
        return False

    def _list(self, principal: str, query: dict[str, str], keys: dict[str, str]) -> bytes:
        with self._lock:
            self.requests["list"] += 1
        predicate, parents = parse_q(query.get("q", ""))
        all_drives = query.get("includeItemsFromAllDrives") == "true"
        if all_drives and query.get("supportsAllDrives") != "true":
            raise ApiError(
                403,
                "teamDrivesSupportRequired",
                "The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is also set to true.",
                "includeItemsFromAllDrives",
            )
        corpora = query.get("corpora", "user")
        if corpora not in ("user", "drive", "allDrives", "domain"):
            raise ApiError(400, "invalid", f"Invalid Value: corpora={corpora}", "corpora")
        if (corpora == "drive") != bool(query.get("driveId")):
            raise ApiError(
                400, "invalid", "The driveId parameter must be specified if and only if corpora is set to drive.", "driveId"
            )
        if corpora in ("drive", "allDrives") and not all_drives:
            raise ApiError(
                403,
                "teamDrivesParameterRequired",
                "The includeItemsFromAllDrives parameter must be set to true when corpora is drive or allDrives.",
                "includeItemsFromAllDrives",
            )
        if corpora == "drive" and principal not in self.drive_members.get(query.get("driveId", ""), set()):
            # Access to a folder inside a shared drive does not make the caller a member of the drive.
            raise ApiError(404, "notFound", f"Shared drive not found: {query.get('driveId')}", "driveId")
        if query.get("pageToken") and self.reject_page_tokens > 0:
            with self._lock:
                self.reject_page_tokens -= 1
            raise ApiError(400, "invalid", "Invalid Value", "pageToken")
        # The listed parent's own key is not needed to list it (the caller proves access by having it).
        if parents:
            candidates = [self.nodes[c] for p in parents for c in self.children.get(p, [])]
        else:
            candidates = [n for n in self.nodes.values() if n.parent]
        incomplete = corpora == "allDrives" and any(n.drive_id for n in candidates)
        visible = []
        for node in candidates:
            if node.drive_id and (
                not all_drives or corpora == "allDrives" or (corpora == "drive" and node.drive_id != query.get("driveId"))
            ):
                continue  # allDrives gives up on shared drives here: incompleteSearch
            if corpora == "drive" and not node.drive_id:
                continue
            parent = self.nodes.get(node.parent or "")
            if predicate(node) and self._can_read(principal, node, keys, key_of=parent if parents else node):
                visible.append(node)
        size = min(int(query.get("pageSize", 100)), self.page_size_cap)
        start = _offset(query.get("pageToken"), "files")
        if self.ragged_pages and start + size < len(visible):  # Drive may answer partial or empty pages
            with self._lock:
                self._ragged += 1
            size = (0, 1, size)[self._ragged % 3]
        page = visible[start : start + size]
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": incomplete,
            "files": [self._resource(n, principal) for n in page],
        }
        if start + size < len(visible):
            body["nextPageToken"] = _page_token("files", start + size)
        default = "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
        return json.dumps(select(body, _fields(query, default, "FileList"))).encode()

    def _list_changes(self, principal: str, query: dict[str, str]) -> bytes:
        """The user's change log, or with driveId a shared drive's own log (members only). Shared-drive items
        are logged in their drive's log; the user's log has them only for a non-member given item access."""
        with self._lock:
            self.requests["changes"] += 1
        token = query.get("pageToken") or ""
        if not token.isdigit() or not self._change_floor <= int(token) <= len(self._changes) + 1:
            raise ApiError(400, "invalid", "Invalid Value", "pageToken")
        drive_log = query.get("driveId")
        if drive_log and principal not in self.drive_members.get(drive_log, set()):
            raise ApiError(404, "notFound", f"Shared drive not found: {drive_log}", "driveId")
        size = min(int(query.get("pageSize", 100)), self.page_size_cap)
        start = int(token) - 1
        latest: dict[str, int] = {}
        end = start
        # Drive reports each file once, at its latest change, in order of that change.
        while end < len(self._changes) and len(latest) < size:
            latest[self._changes[end]] = end
            end += 1
        changes = []
        for item_id, seq in sorted(latest.items(), key=lambda kv: kv[1]):
            when = (_EPOCH + timedelta(seconds=seq)).isoformat().replace("+00:00", "Z")
            change = self._change(principal, item_id, drive_log, query.get("includeItemsFromAllDrives") == "true")
            if change is not None:
                changes.append({"kind": "drive#change", "time": when, **change})
        body: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
        if end < len(self._changes):
            body["nextPageToken"] = str(end + 1)
        else:
            body["newStartPageToken"] = str(len(self._changes) + 1)
        default = "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,file(kind,id,name,mimeType))"
        return json.dumps(select(body, _fields(query, default, "ChangeList"))).encode()

    def _change(self, principal: str, item_id: str, drive_log: str | None, all_drives: bool) -> dict | None:
        """One entry of the log asked for, or None when that log does not show it to the caller."""
        if item_id.startswith("drive:"):
            drive_id = item_id.removeprefix("drive:")
            if drive_log or principal not in self.drive_members.get(drive_id, set()):
                return None
            return {"changeType": "drive", "driveId": drive_id, "removed": False}
        node = self.nodes[item_id]
        if drive_log:
            if node.drive_id != drive_log:
                return None
        elif node.drive_id and (not all_drives or principal in self.drive_members.get(node.drive_id, set())):
            return None  # a member reads the drive's own log
        entry: dict[str, Any] = {"changeType": "file", "fileId": item_id}
        if node.drive_id:
            entry["driveId"] = node.drive_id
        if node.deleted or (principal in self._lost_access.get(item_id, set()) and not self._shared_directly(principal, node)):
            return {**entry, "removed": True}  # deleted, or the caller lost access: a tombstone
        # Only what the caller has in its own Drive or was shared with directly: not link-only items.
        if not self._shared_directly(principal, node):
            return None
        return {**entry, "removed": False, "file": self._resource(node, principal)}

    def _shared_directly(self, principal: str, node: Node) -> bool:
        if node.drive_id and principal in self.drive_members.get(node.drive_id, set()):
            return True
        current: Node | None = node
        while current is not None:
            if principal == current.owner or principal in current.readers:
                return True
            current = self.nodes.get(current.parent) if current.parent else None
        return False

    def _resource(self, node: Node, principal: str) -> dict:
        data: dict[str, Any] = {
            "kind": "drive#file",
            "id": node.id,
            "name": node.name,
            "mimeType": node.mime,
            "parents": [node.parent] if node.parent else [],
            "trashed": node.trashed,
            "explicitlyTrashed": node.trashed and not node.trashed_by_parent,
            "modifiedTime": node.modified,
            "version": str(node.version),
            "ownedByMe": node.owner == principal and not node.drive_id,
            "capabilities": {"canDownload": node.id not in self.download_restricted, "canListChildren": node.mime == FOLDER},
        }
        if principal in node.readers:  # shared with the caller directly (or through a group)
            data["sharedWithMeTime"] = node.modified
        if node.drive_id:
            data["capabilities"]["canReadDrive"] = principal in self.drive_members.get(node.drive_id, set())
        if node.drive_id:
            data["driveId"] = node.drive_id
        if node.resource_key:
            data["resourceKey"] = node.resource_key
        if node.mime == SHORTCUT and node.target:
            target = self.nodes[node.target]
            data["shortcutDetails"] = {"targetId": target.id, "targetMimeType": target.mime}
            if target.resource_key:
                data["shortcutDetails"]["targetResourceKey"] = target.resource_key
        elif not node.native:
            data.update(size=str(len(node.content)), md5Checksum=node.md5, headRevisionId=node.head_revision)
        return data

    def _get(self, principal: str, file_id: str, query: dict[str, str], keys: dict[str, str]) -> tuple[int, bytes, str | None]:
        node = self.nodes.get(file_id)
        if (
            node is None
            or (node.drive_id and query.get("supportsAllDrives") != "true")
            or not self._can_read(principal, node, keys)
        ):
            raise not_found(file_id)
        if query.get("alt") != "media":
            with self._lock:
                self.requests["get"] += 1
            default = "kind,id,name,mimeType"
            return 200, json.dumps(select(self._resource(node, principal), _fields(query, default, "File"))).encode(), None
        with self._lock:
            self.downloads[file_id] += 1
            self.requests["download"] += 1
        if node.native:
            raise ApiError(
                403,
                "fileNotDownloadable",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                "alt",
            )
        if file_id in self.broken_downloads:
            raise ApiError(500, "backendError", "Backend Error")
        if file_id in self.vanish_on_download:  # deleted after the caller listed it
            self.delete(file_id)
            raise not_found(file_id)
        if file_id in self.abusive and query.get("acknowledgeAbuse") != "true":
            raise ApiError(
                403,
                "cannotDownloadAbusiveFile",
                "This file has been identified as malware or spam and cannot be downloaded.",
                "acknowledgeAbuse",
            )
        if file_id in self.download_restricted:
            raise ApiError(403, "cannotDownloadFile", "The user does not have sufficient permissions to download this file.")
        return 200, node.content, node.mime


def _fields(query: dict[str, str], default: str, schema: str) -> dict[str, Any]:
    tree = parse_fields(query.get("fields") or default)
    check_fields(tree, schema, query.get("fields") or default)
    return tree


def _resource_keys(header: str) -> dict[str, str]:
    keys = {}
    for part in header.split(","):
        item, _, key = part.strip().partition("/")
        if item and key:
            keys[item] = key
    return keys


def _page_token(kind: str, offset: int) -> str:
    return f"~!!~{kind}:{offset}"


def _offset(token: str | None, kind: str) -> int:
    if not token:
        return 0
    match = re.fullmatch(rf"~!!~{kind}:(\d+)", token)
    if not match:
        raise ApiError(400, "invalid", "Invalid Value", "pageToken")
    return int(match.group(1))


def _as_reply(error: ApiError) -> tuple[int, dict]:
    return error.status, error.body()
