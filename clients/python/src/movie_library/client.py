"""The client: one method per API operation, typed results, lazy paging and live add status."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, urljoin

import httpx

from movie_library.auth import Auth, as_auth
from movie_library.errors import MovieLibraryError
from movie_library.live import AddHandle, Outcome, StatusTracker
from movie_library.models import (
    AddAccepted,
    AddRequest,
    AddStatusMessage,
    AuditEntry,
    Dashboard,
    EtlRun,
    EtlRunFile,
    FilterResult,
    GenreCount,
    GetEtlRunResponse,
    LibraryChangedMessage,
    ListAddRequestsResponse,
    ListEtlRunsResponse,
    ListGenresResponse,
    Movie,
    MovieHistory,
    MovieInput,
    SearchResult,
    TopRatedResult,
)
from movie_library.pages import CursorIterator
from movie_library.transport import Transport
from movie_library.urls import require_secure

_UNSET: Any = object()


@dataclass(frozen=True)
class EtlRunReport:
    run: EtlRun
    files: list[EtlRunFile]


@dataclass(frozen=True)
class Versioned:
    """A movie with its ETag (its version), as GET /api/movies/{id} and a PATCH answer it."""

    movie: Movie
    etag: str
    source: dict[str, Any]
    permissions: dict[str, bool]


@dataclass(frozen=True)
class AddResult:
    """One movie of `add_many`: its position in the input, and its outcome or the error that stopped it."""

    index: int
    movie: Any
    outcome: Outcome | None = None
    error: Exception | None = None
    request_id: str | None = None

    @property
    def status(self) -> str:
        if self.outcome is not None:
            return self.outcome.status
        return "invalid" if getattr(self.error, "status", None) in {400, 413} else "error"


class Client:
    """Movie Library API client.

    >>> client = Client("http://127.0.0.1:3000", auth=token)        # or auth=CognitoAuth(...) / a callable
    >>> for movie in client.filter(genres=["Drama"], min_rating=7): ...
    >>> client.add({"title": "Glass Harbor", "genre": "Drama", "rating": 7.7, "year": 2024}).wait()

    `ws_url` is the WebSocket API (`wss://…/v1`); by default it is read from the site's /config.json
    (the local stack and the deployed UI both serve one), and `ws_url=""` turns live status off
    (outcomes are then polled from statusUrl).
    """

    # operationId (src/api/openapi.json) → method; tests/client/test_openapi_models.py keeps this complete.
    OPERATION_METHODS: ClassVar[dict[str, str | None]] = {
        "getDashboard": "dashboard",
        "searchMovies": "search",
        "filterMovies": "filter",
        "topRatedMovies": "top_rated",
        "listGenres": "genres",
        "getMovie": "movie",
        "editMovie": "edit",
        "deleteMovie": "delete",
        "movieHistory": "history",
        "addMovie": "add",
        "getAddRequest": "request",
        "listAddRequests": "requests",
        "getOpenApi": "openapi",
        "listEtlRuns": "etl_runs",
        "getEtlRun": "etl_run",
    }

    def __init__(
        self,
        base_url: str,
        auth: str | Callable[[], str] | Auth | None = None,
        *,
        ws_url: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        http: httpx.Client | None = None,
        poll_interval: float = 1.0,
        safety_poll_interval: float = 30.0,
    ):
        self.transport = Transport(base_url, as_auth(auth), timeout=timeout, retries=retries, backoff=backoff, http=http)
        self._ws_url: str | None = require_secure(ws_url, "ws_url") if ws_url else ws_url
        self._ws_url_known = ws_url is not None
        self._lock = threading.Lock()
        self.tracker = StatusTracker(self, poll_interval=poll_interval, safety_poll_interval=safety_poll_interval)

    # -- reads -------------------------------------------------------------------------------------

    def dashboard(self) -> Dashboard:
        return Dashboard.from_dict(self.transport.request("GET", "/api/dashboard"))

    def genres(self, *, limit: int | None = None, max_items: int | None = None) -> list[GenreCount]:
        """Every genre with its count (all pages)."""
        pages: CursorIterator[GenreCount] = CursorIterator(
            lambda params: ListGenresResponse.from_dict(self.transport.request("GET", "/api/genres", params=params)),
            {},
            lambda page: page.genres,
            limit=limit,
            max_items=max_items,
        )
        return list(pages)

    def movie(self, movie_id: str) -> Movie:
        return Movie.from_dict(self.transport.request("GET", f"/api/movies/{quote(str(movie_id), safe='')}"))

    def search(
        self,
        title: str,
        *,
        sort: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> CursorIterator[Movie]:
        """Movies whose title matches `title`, best match first: the whole title, then titles starting with it,
        containing it, then close spellings (case, accents and typos forgiven). Or `sort`: title, rating, year
        (titles containing `title`, any case, as the seed listed them; `order`: asc, desc). Pages are fetched
        as you iterate."""
        return CursorIterator(
            lambda params: SearchResult.from_dict(self.transport.request("GET", "/api/movies/search", params=params)),
            {"title": title, "sort": sort, "order": order},
            lambda page: page.movies,
            limit=limit,
            max_items=max_items,
        )

    def filter(
        self,
        *,
        genres: Iterable[str] | str | None = None,
        min_rating: float | None = None,
        year: int | None = None,
        sort: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> CursorIterator[Movie]:
        """Movies of any of `genres` (case and spaces ignored), rating ≥ `min_rating`, of `year`;
        rating desc, then title (or `sort`: title, rating, year; `order`: asc, desc; no rating or year
        last either way). `.total` is the number of matches once the first page is read."""
        genre_list = [genres] if isinstance(genres, str) else list(genres) if genres is not None else None
        return CursorIterator(
            lambda params: FilterResult.from_dict(self.transport.request("GET", "/api/movies/filter", params=params)),
            {"genre": genre_list or None, "minRating": min_rating, "year": year, "sort": sort, "order": order},
            lambda page: page.movies,
            limit=limit,
            max_items=max_items,
            total=lambda page: page.total_count,
        )

    def top_rated(
        self, *, start: int | None = None, limit: int | None = None, max_items: int | None = None
    ) -> CursorIterator[Movie]:
        """The ranking (rating desc, unrated last, title); `start` skips that many first, then cursors follow."""
        return CursorIterator(
            lambda params: TopRatedResult.from_dict(self.transport.request("GET", "/api/movies/top-rated", params=params)),
            {},
            lambda page: page.movies,
            limit=limit,
            max_items=max_items,
            total=lambda page: page.pagination.total,
            first_only={"start": start},
        )

    def versioned(self, movie_id: str) -> Versioned:
        """One movie with its ETag, where it came from and what you may do with it."""
        body, headers = self.transport.exchange("GET", _movie_path(movie_id))
        return Versioned(
            Movie.from_dict(body),
            str(headers.get("ETag", "")),
            dict(body.get("source") or {}),
            dict(body.get("permissions") or {}),
        )

    # -- corrections -------------------------------------------------------------------------------

    def edit(self, movie_id: str, changes: dict[str, Any] | None = None, *, etag: str | None = None, **fields: Any) -> Versioned:
        """Correct a movie: any of title, genre, rating (None removes it), year. `etag` is the version your
        change was made against (PreconditionFailed when it moved on); without one the current version is
        read first. Raises Forbidden, NotFound, Conflict (duplicate or from Drive), ValidationError."""
        body = {**(changes or {}), **fields}
        tag = etag or self.versioned(movie_id).etag
        answer, headers = self.transport.exchange(
            "PATCH", _movie_path(movie_id), json=body, headers={"If-Match": tag}, retry=False
        )
        return Versioned(Movie.from_dict(answer), str(headers.get("ETag", "")), {}, {})

    def delete(self, movie_id: str, *, etag: str | None = None) -> None:
        """Delete a movie (see edit() for `etag`). Raises Forbidden, NotFound, PreconditionFailed."""
        tag = etag or self.versioned(movie_id).etag
        self.transport.request("DELETE", _movie_path(movie_id), headers={"If-Match": tag}, retry=False)

    def history(self, movie_id: str, *, limit: int | None = None, max_items: int | None = None) -> CursorIterator[AuditEntry]:
        """A movie's edits and deletes, newest first (librarians, and the movie's adder)."""
        path = f"{_movie_path(movie_id)}/history"
        return CursorIterator(
            lambda params: MovieHistory.from_dict(self.transport.request("GET", path, params=params)),
            {},
            lambda page: page.entries,
            limit=limit,
            max_items=max_items,
        )

    def request(self, request_id: str) -> AddRequest:
        """One of your add requests, as it is now."""
        return AddRequest.from_dict(self.transport.request("GET", f"/api/movies/requests/{quote(str(request_id), safe='')}"))

    def requests(self, *, limit: int | None = None, max_items: int | None = None) -> CursorIterator[AddRequest]:
        """Your own add requests, newest first (they follow you across devices)."""
        return CursorIterator(
            lambda params: ListAddRequestsResponse.from_dict(
                self.transport.request("GET", "/api/movies/requests", params=params)
            ),
            {},
            lambda page: page.requests,
            limit=limit,
            max_items=max_items,
        )

    def etl_runs(self, *, limit: int | None = None, max_items: int | None = None) -> CursorIterator[EtlRun]:
        """The library's ETL runs (syncs from its source), newest first."""
        return CursorIterator(
            lambda params: ListEtlRunsResponse.from_dict(self.transport.request("GET", "/api/etl/runs", params=params)),
            {},
            lambda page: page.runs,
            limit=limit,
            max_items=max_items,
        )

    def etl_run(self, run_id: str | int, *, max_files: int | None = None) -> EtlRunReport:
        """One ETL run with its report: the files it quarantined or could not download (all pages). The report
        and the run's details are for librarians; anyone else gets the run with no files."""
        path = f"/api/etl/runs/{quote(str(run_id), safe='')}"
        files: CursorIterator[EtlRunFile] = CursorIterator(
            lambda params: GetEtlRunResponse.from_dict(self.transport.request("GET", path, params=params)),
            {},
            lambda page: page.files or [],  # only librarians get the report (files)
            max_items=max_files,
        )
        listed = list(files)
        if files.last_page is None:  # max_files=0: the run alone
            return EtlRunReport(GetEtlRunResponse.from_dict(self.transport.request("GET", path, params={"limit": 1})).run, [])
        return EtlRunReport(files.last_page.run, listed)

    def openapi(self) -> dict[str, Any]:
        """The API's OpenAPI document."""
        return self.transport.request("GET", "/api/openapi.json")

    # -- adds --------------------------------------------------------------------------------------

    def add(self, movie: MovieInput | dict[str, Any], idempotency_key: str | None = _UNSET) -> AddHandle:
        """Queue a movie. A fresh Idempotency-Key is sent by default, which makes the POST safe to retry
        (pass your own to make retries across processes safe, or None to send none and not retry)."""
        body = movie.to_dict() if isinstance(movie, MovieInput) else dict(movie)
        key = str(uuid.uuid4()) if idempotency_key is _UNSET else idempotency_key
        headers = {"Idempotency-Key": key} if key else {}
        submitted_at = time.monotonic()
        accepted = AddAccepted.from_dict(
            self.transport.request("POST", "/api/movies", json=body, headers=headers, retry=bool(key))
        )
        return AddHandle(accepted.request_id, accepted.status, accepted.status_url, accepted.message, key, submitted_at, self)

    def add_many(
        self, movies: Iterable[MovieInput | dict[str, Any]], *, concurrency: int = 8, timeout: float | None = 600.0
    ) -> Iterator[AddResult]:
        """Submit movies `concurrency` at a time and yield each one's result as soon as it is known:
        the outcome, or the error that refused it (e.g. ValidationError). One bad movie never stops the rest."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.listen()
        inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        done = threading.Event()
        index_of: dict[str, tuple[int, Any]] = {}

        def submit(index: int, movie: Any) -> None:
            try:
                handle = self.add(movie)
            except MovieLibraryError as exc:
                inbox.put(AddResult(index, movie, error=exc))
            else:
                index_of[handle.request_id] = (index, movie)
                inbox.put(handle)
            self.tracker.wake()

        def produce() -> None:
            with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="movie-library-add") as pool:
                for index, movie in enumerate(movies):
                    pool.submit(submit, index, movie)
            done.set()
            self.tracker.wake()

        producer = threading.Thread(target=produce, name="movie-library-add-many", daemon=True)
        producer.start()
        try:
            for item, result in _pairs(self.tracker.follow(inbox, done, timeout)):
                if isinstance(item, AddResult):
                    yield item
                    continue
                index, movie = index_of[item.request_id]
                if isinstance(result, Outcome):
                    yield AddResult(index, movie, outcome=result, request_id=item.request_id)
                else:
                    yield AddResult(index, movie, error=result, request_id=item.request_id)
        finally:
            producer.join()

    # -- live status -------------------------------------------------------------------------------

    @property
    def ws_url(self) -> str | None:
        """The WebSocket URL: given, or read once from the site's /config.json; None when there is none."""
        with self._lock:
            if not self._ws_url_known:
                self._ws_url = self._discover_ws_url()
                self._ws_url_known = True
            return self._ws_url or None

    def _discover_ws_url(self) -> str | None:
        origin = self.transport.origin
        try:
            response = self.transport.http.get(f"{origin}/config.json", timeout=10)
            ws = response.json().get("wsUrl") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        if not isinstance(ws, str) or not ws:
            return None
        url = ws if ws.startswith(("ws://", "wss://")) else urljoin(origin.replace("http", "ws", 1) + "/", ws)
        try:
            return require_secure(url, "the WebSocket URL")  # the token travels in its query string
        except ValueError:
            return None  # no live status: outcomes are polled over the API instead

    def listen(self, timeout: float = 5.0) -> bool:
        """Open the status WebSocket now (adds and waits open it anyway); True when it is open."""
        return self.tracker.start(timeout)

    async def watch(self, *, reconnect: bool = True) -> AsyncIterator[AddStatusMessage]:
        """Every addStatus message for your requests, once per requestId, for as long as you iterate."""
        seen: dict[str, None] = {}
        async for data in self._socket_messages(reconnect):
            if data.get("type") != "addStatus":
                continue
            request_id = str(data.get("requestId"))
            if request_id in seen:
                continue
            seen[request_id] = None
            if len(seen) > 10_000:
                seen.pop(next(iter(seen)))
            yield AddStatusMessage.from_dict(data)

    async def watch_library(self, *, reconnect: bool = True) -> AsyncIterator[LibraryChangedMessage]:
        """Every libraryChanged message (an add created, an edit, a delete, a sync that changed rows: batched,
        about one a second at most), for as long as you iterate. Refresh what you show when one arrives."""
        async for data in self._socket_messages(reconnect):
            if data.get("type") == "libraryChanged":
                yield LibraryChangedMessage.from_dict(data)

    async def _socket_messages(self, reconnect: bool) -> AsyncIterator[dict[str, Any]]:
        """Every JSON object the WebSocket API sends, reconnecting with backoff (and a fresh token)."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        url = await asyncio.to_thread(lambda: self.ws_url)
        if not url:
            raise MovieLibraryError("no WebSocket URL is known: pass ws_url= to Client")
        delay = 0.5
        while True:
            auth = self.transport.auth
            token = await asyncio.to_thread(auth.token) if auth else ""
            try:
                async with connect(
                    f"{url}{'&' if '?' in url else '?'}token={quote(token, safe='')}", open_timeout=10, max_queue=None
                ) as ws:
                    delay = 0.5
                    while True:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=300)
                        except asyncio.TimeoutError:
                            await ws.send(json.dumps({"action": "ping"}))  # keeps API Gateway from closing it
                            continue
                        try:
                            data = json.loads(raw)
                        except ValueError:
                            continue
                        if isinstance(data, dict):
                            yield data
            except (OSError, WebSocketException, asyncio.TimeoutError):
                if not reconnect:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        self.tracker.close()
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _movie_path(movie_id: str) -> str:
    return f"/api/movies/{quote(str(movie_id), safe='')}"


def _pairs(items: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    """follow() yields (handle, result) pairs and, unchanged, whatever else was queued (AddResults)."""
    for item in items:
        yield item if isinstance(item, tuple) else (item, None)
