"""The contract of each data module that logic uses, as a `typing.Protocol`.

The real modules satisfy them structurally (mypy checks each module against its protocol at the bottom of
this file), the unit fakes in tests/unit/fakes.py implement the same ones, and
tests/integration/test_data_contracts.py runs one behaviour suite over the fake and the real module, so a
fake cannot drift from the module (or the SQL, or the DynamoDB conditions) it stands in for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from domain.messages import AddRequest, ErrorInfo, NewMovie, QueueMessage, RequestStatus

if TYPE_CHECKING:
    from data.add_limits import Refusal
    from data.db import Cursor

T = TypeVar("T")
After = tuple[str | None, str, str] | None  # a keyset position: (sort key, title, id)


class Database(Protocol):
    """data/db: `run(work)` runs work(cursor) in one transaction (a stale connection is replaced once)."""

    def run(self, work: Callable[[Cursor], T]) -> T: ...


class RequestsStore(Protocol):
    """data/requests_store: create() only if the id is new, complete() only while the request is queued."""

    def create(self, record: AddRequest) -> tuple[AddRequest, bool]: ...

    def get(self, request_id: str) -> AddRequest | None: ...

    def complete(
        self,
        request_id: str,
        status: RequestStatus,
        completed_at: str,
        movie: dict[str, Any] | None = None,
        error: ErrorInfo | None = None,
    ) -> bool: ...


class AddQueue(Protocol):
    """data/add_queue: send in the owner's message group; delay failed messages' return."""

    def send(self, message: QueueMessage, group: str, dedup_id: str) -> None: ...

    def delay_retries(self, delays: list[tuple[str, int]]) -> None: ...


class AddLimits(Protocol):
    """data/add_limits: count one add, or answer which window is full."""

    def consume(self, user: str, now: float | None = None) -> Refusal | None: ...


class MovieWrites(Protocol):
    """data/movie_writes: insert unless the same movie exists; (inserted by this request, the row)."""

    def insert_movie(
        self, cur: Cursor, movie: NewMovie, request_id: str, owner: str | None = None
    ) -> tuple[bool, dict[str, Any]]: ...


class MovieReads(Protocol):
    """data/movie_reads' queries (its pure helpers, sort_key, cursor_key, rank_key, are shared, not faked)."""

    def search_by_title(
        self, cur: Cursor, pattern: str, after: After, limit: int, sort: str = "title", order: str = "asc"
    ) -> list[dict[str, Any]]: ...

    def filter_page_and_count(
        self,
        cur: Cursor,
        genre_keys: list[str] | None,
        min_rating: float | None,
        year: int | None,
        after: After,
        limit: int,
        sort: str = "rating",
        order: str = "desc",
    ) -> tuple[list[dict[str, Any]], int]: ...

    def count_filtered(self, cur: Cursor, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> int: ...

    def top_rated_after(self, cur: Cursor, after: tuple[str, str, str] | None, limit: int) -> list[dict[str, Any]]: ...

    def top_rated_at(self, cur: Cursor, start: int, limit: int) -> list[dict[str, Any]]: ...

    def movie_total(self, cur: Cursor) -> int: ...

    def get_movie(self, cur: Cursor, movie_id: str) -> dict[str, Any] | None: ...

    def genres_after(self, cur: Cursor, after_key: str | None, limit: int) -> list[dict[str, Any]]: ...

    def dashboard_stats(self, cur: Cursor, top_genres: int, latest_years: int) -> dict[str, Any]: ...

    def newest_movie(self, cur: Cursor) -> dict[str, Any] | None: ...


class EtlRuns(Protocol):
    """data/etl_runs: the run history, newest first, and one run's file report."""

    def list_runs(self, cur: Cursor, before_id: int | None, limit: int) -> list[dict[str, Any]]: ...

    def get_run(self, cur: Cursor, run_id: int) -> dict[str, Any] | None: ...

    def run_files(self, cur: Cursor, run_id: int, after_seq: int | None, limit: int) -> list[dict[str, Any]]: ...


class Connections(Protocol):
    """data/connections: open WebSockets by id and by user."""

    def save(
        self,
        connection_id: str,
        user_sub: str,
        connected_at: int,
        expires_at: int,
        token_expires_at: int | None = None,
        librarian: bool = False,
    ) -> None: ...

    def delete(self, connection_id: str) -> None: ...

    def for_user(self, user_sub: str, now: float | None = None) -> tuple[list[str], list[str]]: ...

    def all_authorised(self, now: float | None = None) -> list[str]: ...

    def listeners(self, audience: Literal["librarians", "members"], now: float | None = None) -> list[str]: ...


PROTOCOLS: dict[str, type[Any]] = {
    "db": Database,
    "requests_store": RequestsStore,
    "add_queue": AddQueue,
    "add_limits": AddLimits,
    "movie_writes": MovieWrites,
    "movie_reads": MovieReads,
    "etl_runs": EtlRuns,
    "connections": Connections,
}

if TYPE_CHECKING:  # each real module satisfies its protocol (mypy --strict checks these assignments)
    from data import add_limits, add_queue, connections, db, etl_runs, movie_reads, movie_writes, requests_store

    _db: Database = db
    _requests_store: RequestsStore = requests_store
    _add_queue: AddQueue = add_queue
    _add_limits: AddLimits = add_limits
    _movie_writes: MovieWrites = movie_writes
    _movie_reads: MovieReads = movie_reads
    _etl_runs: EtlRuns = etl_runs
    _connections: Connections = connections
