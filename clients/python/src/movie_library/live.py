"""Outcomes of add requests: heard on the WebSocket when it is open, polled from statusUrl when it is not.

Delivery is at least once, so an `addStatus` message may repeat: the first terminal outcome per
requestId is kept and repeats are dropped. A request sent while the socket was already open cannot
miss its message; anything submitted before the socket (re)connected is reconciled with one GET.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from movie_library.errors import MovieLibraryError, RateLimited, Unavailable, WaitTimeout
from movie_library.models import AddRequest, Movie
from movie_library.transport import Transport


class LiveClient(Protocol):
    """What live status needs of `movie_library.client.Client` (a protocol, so this module does not import it)."""

    transport: Transport

    @property
    def tracker(self) -> StatusTracker: ...

    @property
    def ws_url(self) -> str | None: ...


TERMINAL = frozenset({"created", "duplicate", "rejected", "failed"})
PING_EVERY = 300.0  # API Gateway closes sockets idle for 10 minutes


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """The final status of an add request, with the movie (created / duplicate) or the error."""

    request_id: str
    status: Literal["created", "duplicate", "rejected", "failed"]
    movie: Movie | None = None
    error: ErrorInfo | None = None
    via: Literal["websocket", "poll"] = "poll"

    @property
    def ok(self) -> bool:
        return self.status in {"created", "duplicate"}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"requestId": self.request_id, "status": self.status}
        if self.movie is not None:
            out["movie"] = self.movie.to_dict()
        if self.error is not None:
            out["error"] = {"code": self.error.code, "message": self.error.message}
        return out

    @classmethod
    def from_message(cls, data: dict[str, Any], via: Literal["websocket", "poll"]) -> Outcome:
        error = data.get("error")
        return cls(
            request_id=data["requestId"],
            status=data["status"],
            movie=Movie.from_dict(data["movie"]) if data.get("movie") else None,
            error=ErrorInfo(str(error.get("code", "")), str(error.get("message", ""))) if isinstance(error, dict) else None,
            via=via,
        )


@dataclass
class AddHandle:
    """What `Client.add` returns: the queued request; `wait()` gives its outcome."""

    request_id: str
    status: str
    status_url: str
    message: str
    idempotency_key: str | None
    submitted_at: float  # time.monotonic() just before the POST was sent
    _client: LiveClient = field(repr=False, compare=False)

    def wait(self, timeout: float = 60.0) -> Outcome:
        """The final outcome (created, duplicate, rejected or failed); WaitTimeout after `timeout` seconds."""
        inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        inbox.put(self)
        done = threading.Event()
        done.set()
        for _handle, result in self._client.tracker.follow(inbox, done, timeout):
            if isinstance(result, Exception):
                raise result
            return result
        raise AssertionError("unreachable")

    def refresh(self) -> AddRequest:
        """The request as statusUrl shows it now."""
        return AddRequest.from_dict(self._client.transport.request("GET", self.status_url))


class StatusTracker:
    """One WebSocket per client (in a background thread, reconnecting with backoff) and the outcomes it heard."""

    def __init__(
        self, client: LiveClient, poll_interval: float = 1.0, max_poll_interval: float = 5.0, safety_poll_interval: float = 30.0
    ):
        self._client = client
        self.poll_interval, self.max_poll_interval = poll_interval, max_poll_interval
        # Even with the socket up, a request is re-checked this often (a message may be lost in flight).
        self.safety_poll_interval = safety_poll_interval
        self._cond = threading.Condition()
        self._outcomes: dict[str, Outcome] = {}
        self._connected_since: float | None = None
        self._attempts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: Any = None
        self.messages = 0  # addStatus messages received, repeats included

    # -- the socket --------------------------------------------------------------------------------

    def start(self, timeout: float = 5.0) -> bool:
        """Open the socket (once) and wait up to `timeout` for it; False when it cannot be opened now."""
        url = self._client.ws_url
        if not url:
            return False
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(url,), name="movie-library-ws", daemon=True)
                self._thread.start()
            self._cond.wait_for(lambda: self._connected_since is not None or self._attempts > 0, timeout)
            return self._connected_since is not None

    @property
    def connected(self) -> bool:
        return self._connected_since is not None

    def _run(self, url: str) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                token = self._client.transport.auth.token() if self._client.transport.auth else ""
                ws = connect(
                    f"{url}{'&' if '?' in url else '?'}token={quote(token, safe='')}",
                    open_timeout=10,
                    max_queue=None,
                    user_agent_header="movie-library-client",
                )
            except (OSError, WebSocketException, MovieLibraryError, TimeoutError):
                with self._cond:
                    self._attempts += 1
                    self._cond.notify_all()
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 0.5
            with self._cond:
                self._ws = ws
                self._connected_since = time.monotonic()
                self._attempts += 1
                self._cond.notify_all()
            try:
                self._listen(ws)
            finally:
                with self._cond:
                    self._ws = None
                    self._connected_since = None
                    self._cond.notify_all()

    def _listen(self, ws: Any) -> None:
        last_ping = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    raw = ws.recv(timeout=min(PING_EVERY, 60.0))
                except TimeoutError:
                    raw = None
                if time.monotonic() - last_ping >= PING_EVERY:
                    ws.send(json.dumps({"action": "ping"}))
                    last_ping = time.monotonic()
                if raw is not None:
                    self._on_message(raw)
        except (OSError, WebSocketException):
            pass
        finally:
            ws.close()

    def _on_message(self, raw: str | bytes) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if not isinstance(data, dict) or data.get("type") != "addStatus" or data.get("status") not in TERMINAL:
            return
        self.messages += 1
        self.record(Outcome.from_message(data, "websocket"))

    def record(self, outcome: Outcome) -> None:
        with self._cond:
            self._outcomes.setdefault(outcome.request_id, outcome)  # first wins: repeats are dropped
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.close()
        if self._thread is not None:
            self._thread.join(5)

    # -- waiting -----------------------------------------------------------------------------------

    def _covered(self, submitted_at: float) -> bool:
        since = self._connected_since
        return since is not None and since <= submitted_at

    def _poll(self, handle: AddHandle) -> str | None:
        """GET statusUrl; records a final outcome. Transient failures are ignored until the deadline."""
        try:
            data = self._client.transport.request("GET", handle.status_url)
        except (Unavailable, RateLimited):
            return None
        if data.get("status") in TERMINAL:
            self.record(Outcome.from_message(data, "poll"))
        return data.get("status")

    def follow(
        self, inbox: queue.SimpleQueue[Any], producing_done: threading.Event, timeout: float | None
    ) -> Iterator[tuple[Any, Outcome | Exception]]:
        """Yield (handle, outcome) for each AddHandle put in `inbox`, in the order outcomes arrive.

        Anything else put in `inbox` is yielded as (item, exception-or-None) unchanged, so callers can
        interleave submission errors. Stops when `producing_done` is set and nothing is pending; at the
        deadline each pending handle is yielded with a WaitTimeout.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        pending: dict[str, AddHandle] = {}
        last_poll: dict[str, float] = {}
        interval: dict[str, float] = {}
        status: dict[str, str] = {}
        while True:
            while True:
                try:
                    item = inbox.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, AddHandle):
                    pending[item.request_id] = item
                    covered = self._covered(item.submitted_at)
                    last_poll[item.request_id] = item.submitted_at if covered else float("-inf")
                    interval[item.request_id] = self.poll_interval
                    status[item.request_id] = item.status
                else:
                    yield item
            with self._cond:
                ready = [rid for rid in pending if rid in self._outcomes]
                outcomes = {rid: self._outcomes[rid] for rid in ready}
            for rid in ready:
                yield pending.pop(rid), outcomes[rid]
            if not pending:
                if producing_done.is_set() and inbox.empty():
                    return
                with self._cond:
                    self._cond.wait(0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic())))
                if deadline is not None and time.monotonic() >= deadline and producing_done.is_set() and inbox.empty():
                    return
                continue
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                for rid, handle in list(pending.items()):
                    yield handle, WaitTimeout(rid, status[rid], timeout or 0)
                    pending.pop(rid)
                continue
            next_due = float("inf")
            for rid, handle in list(pending.items()):
                every = self.safety_poll_interval if self._covered(handle.submitted_at) else interval[rid]
                due = last_poll[rid] + every
                if due <= now:
                    status[rid] = self._poll(handle) or status[rid]
                    last_poll[rid] = time.monotonic()
                    if not self._covered(handle.submitted_at):
                        interval[rid] = min(self.max_poll_interval, interval[rid] * 1.5)
                    due = last_poll[rid] + every
                next_due = min(next_due, due)
            with self._cond:
                if any(rid in self._outcomes for rid in pending) or not inbox.empty():
                    continue
                wait = next_due - time.monotonic()
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                if not self.connected:
                    wait = min(wait, self.poll_interval)
                self._cond.wait(max(0.0, min(wait, 5.0)))
