"""In-memory stand-ins for the data layer (src/data), so the use cases in src/logic and the queue
handlers can be tested in milliseconds. Each fake keeps the contract of the module it replaces:
the same function names, arguments, return values and conditional behaviour. The contract is the module's
Protocol in src/data/protocols.py: tests/unit/test_fake_contracts.py checks each fake's parameters against
it, and tests/integration/test_data_contracts.py runs one behaviour suite over the fake and the real module."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import ModuleType
from typing import Any, TypeVar

import pytest

from data.requests_store import RETENTION_SECONDS

T = TypeVar("T")


class FakeRequests:
    """data/requests_store: create() only if the id is new, complete() only while the request is queued."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.completes: list[tuple[str, str]] = []  # (request id, status) of every complete() call
        self.fail_complete: dict[str, Exception] = {}  # request id -> what complete() raises for it

    def create(self, record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        existing = self.items.get(record["requestId"])
        if existing is not None:  # the real put_item's ConditionExpression: attribute_not_exists(requestId)
            return copy.deepcopy(existing), False
        item = {k: v for k, v in copy.deepcopy(record).items() if v is not None}
        item["expiresAt"] = int(time.time()) + RETENTION_SECONDS
        self.items[record["requestId"]] = item
        return copy.deepcopy(item), True

    def get(self, request_id: str) -> dict[str, Any] | None:
        item = self.items.get(request_id)
        return copy.deepcopy(item) if item is not None else None

    def complete(
        self, request_id: str, status: str, completed_at: str, movie: dict | None = None, error: dict | None = None
    ) -> bool:
        self.completes.append((request_id, status))
        if request_id in self.fail_complete:
            raise self.fail_complete[request_id]
        item = self.items.get(request_id)
        if item is None or item["status"] != "queued":  # attribute_exists(requestId) AND status = queued
            return False
        item.update(status=status, completedAt=completed_at)
        if movie is not None:
            item["movie"] = copy.deepcopy(movie)
        if error is not None:
            item["error"] = copy.deepcopy(error)
        return True

    def queued(self, request_id: str, owner: str = "owner-1", movie: dict | None = None) -> None:
        """A request as the write API leaves it, ready for the queue side."""
        self.create(
            {
                "requestId": request_id,
                "owner": owner,
                "status": "queued",
                "input": movie or {"title": "T", "genre": "G", "rating": 5.0, "year": 2000},
                "submittedAt": "2026-11-25T11:44:06.000Z",
            }
        )


class FakeQueue:
    """data/add_queue: records what was sent and which receipt handles were delayed by how long."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.delays: list[list[tuple[str, int]]] = []  # one list per delay_retries() call
        self.fail_delays: Exception | None = None

    def send(self, message: dict[str, Any], group: str, dedup_id: str) -> None:
        self.sent.append({"message": copy.deepcopy(message), "group": group, "dedup_id": dedup_id})

    def delay_retries(self, delays: list[tuple[str, int]]) -> None:
        self.delays.append(list(delays))
        if self.fail_delays is not None:
            raise self.fail_delays


class FakeCursor:
    """Only passed through: the fake data functions below never run SQL on it."""


class FakeDb:
    """data/db: run(work) calls work with a cursor in one 'transaction' (read(work): without one), or raises
    what it is told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None

    def run(self, work: Callable[[Any], T]) -> T:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return work(FakeCursor())

    read = run


def movie_key(movie: dict[str, Any]) -> tuple:
    """What the movies table's unique index compares: case/space-insensitive title and genre, rating, year."""
    return (
        " ".join(movie["title"].split()).casefold(),
        " ".join(movie["genre"].split()).casefold(),
        movie.get("rating"),
        movie.get("year"),
    )


class FakeMovieWrites:
    """data/movie_writes: insert_movie returns (inserted by this request, the row) like the ON CONFLICT insert."""

    def __init__(self) -> None:
        self.rows: dict[tuple, tuple[dict[str, Any], str]] = {}  # movie key -> (row, request id that inserted it)
        self.calls: list[tuple[dict[str, Any], str]] = []
        self.fail: Exception | None = None

    def insert_movie(
        self, cur: FakeCursor, movie: dict[str, Any], request_id: str, owner: str | None = None
    ) -> tuple[bool, dict[str, Any]]:
        assert isinstance(cur, FakeCursor), "insert_movie must run inside db.run"
        self.calls.append((copy.deepcopy(movie), request_id))
        if self.fail is not None:
            raise self.fail
        key = movie_key(movie)
        if key in self.rows:
            row, inserted_by = self.rows[key]
            return inserted_by == request_id, copy.deepcopy(row)  # a redelivery finds its own row
        row = {
            "id": f"00000000-0000-4000-8000-{len(self.rows) + 1:012d}",
            **movie,
            "created_at": "2026-11-25T11:44:06.250000+00:00",
        }
        self.rows[key] = (row, request_id)
        return True, copy.deepcopy(row)


class FakeAdds:
    """logic/adds as the queue handler uses it: process() answers from a script, record_outcome() stores,
    delay_failed() is the real one."""

    def __init__(
        self, outcomes: dict[str, dict[str, Any] | Exception], delay_failed: Callable[[list[tuple[str, int]]], None]
    ) -> None:
        self.outcomes = outcomes  # message body's requestId -> outcome, or the exception process() raises
        self.processed: list[str] = []
        self.recorded: list[dict[str, Any]] = []
        self.fail_record: set[str] = set()  # request ids whose outcome write raises
        self.delay_failed = delay_failed  # the real one (over a FakeQueue): the delays are logic's rule

    def process(self, body: str) -> dict[str, Any]:
        import json

        request_id = json.loads(body)["requestId"]
        self.processed.append(request_id)
        outcome = self.outcomes[request_id]
        if isinstance(outcome, Exception):
            raise outcome
        return {"requestId": request_id, **outcome}

    def record_outcome(self, outcome: dict[str, Any]) -> bool:
        if outcome["requestId"] in self.fail_record:
            raise ConnectionError("DynamoDB unreachable")
        self.recorded.append(outcome)
        return True


def ids(items: Iterable[dict[str, Any]], key: str = "itemIdentifier") -> list[str]:
    return [item[key] for item in items]


class FakeMovieReads:
    """data/movie_reads over a list of movies: the same filters, orders and keyset semantics as its SQL
    (ILIKE with escapes; every order a key ascending, then title, then id). The pure helpers (sort keys,
    cursor keys) are the real module's, so a cursor means here what it means against PostgreSQL."""

    def __init__(
        self,
        movies: list[dict[str, Any]],
        genres: list[dict[str, Any]] | None = None,
        stats: dict[str, Any] | None = None,
        newest: dict[str, Any] | None = None,
    ) -> None:
        from data import movie_reads

        self._real = movie_reads
        self.movies = movies
        self.genres = sorted(genres or [], key=lambda g: g["key"])
        self.stats = stats
        self.newest = newest
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str) -> Any:  # sort_key, cursor_key, rank_key, RANK, SortKey, Cursor
        if name in ("sort_key", "cursor_key", "rank_key", "RANK", "SortKey", "Cursor", "SORT_KEYS"):
            return getattr(self._real, name)
        raise AttributeError(f"FakeMovieReads has no {name}: fake it before a use case needs it")

    # --- the queries ---
    def _ordered(
        self, movies: list[dict[str, Any]], sort: str, order: str, after: tuple[str | None, str, str] | None
    ) -> list[dict[str, Any]]:
        key = self._real.sort_key(sort, order)
        if key is None:  # title order: (title, id) either way
            rows = sorted(movies, key=lambda m: (m["title"], m["id"]), reverse=order == "desc")
            if after is not None:
                beyond = (after[1], after[2])
                rows = [m for m in rows if ((m["title"], m["id"]) > beyond if order == "asc" else (m["title"], m["id"]) < beyond)]
            return rows
        rows = sorted(movies, key=lambda m: (key.of_movie(m), m["title"], m["id"]))
        if after is not None:
            beyond_key = (Decimal(str(after[0])), after[1], after[2])
            rows = [m for m in rows if (key.of_movie(m), m["title"], m["id"]) > beyond_key]
        return rows

    @staticmethod
    def _ilike(pattern: str, text: str) -> bool:
        import re

        regex, chars = "", iter(pattern)
        for c in chars:
            if c == "\\":
                regex += re.escape(next(chars))
            elif c == "%":
                regex += ".*"
            elif c == "_":
                regex += "."
            else:
                regex += re.escape(c)
        return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None

    def _matches(self, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> list[dict]:
        return [
            m
            for m in self.movies
            if (genre_keys is None or m["genre"].lower() in genre_keys)
            and (min_rating is None or (m["rating"] is not None and m["rating"] >= min_rating))
            and (year is None or m["year"] == year)
        ]

    def search_by_title(
        self,
        cur: FakeCursor,
        pattern: str,
        after: tuple[str | None, str, str] | None,
        limit: int,
        sort: str = "title",
        order: str = "asc",
    ) -> list[dict[str, Any]]:
        self.calls.append(("search_by_title", (pattern, after, limit, sort, order)))
        found = [m for m in self.movies if self._ilike(pattern, m["title"])]
        return copy.deepcopy(self._ordered(found, sort, order, after)[:limit])

    def filter_page_and_count(
        self,
        cur: FakeCursor,
        genre_keys: list[str] | None,
        min_rating: float | None,
        year: int | None,
        after: tuple[str | None, str, str] | None,
        limit: int,
        sort: str = "rating",
        order: str = "desc",
    ) -> tuple[list[dict[str, Any]], int]:
        self.calls.append(("filter_page_and_count", (genre_keys, min_rating, year, after, limit, sort, order)))
        matches = self._matches(genre_keys, min_rating, year)
        return copy.deepcopy(self._ordered(matches, sort, order, after)[:limit]), len(matches)

    def count_filtered(self, cur: FakeCursor, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> int:
        return len(self._matches(genre_keys, min_rating, year))

    def top_rated_after(self, cur: FakeCursor, after: tuple[str, str, str] | None, limit: int) -> list[dict[str, Any]]:
        self.calls.append(("top_rated_after", (after, limit)))
        return copy.deepcopy(self._ordered(self.movies, "rating", "desc", after)[:limit])

    def top_rated_at(self, cur: FakeCursor, start: int, limit: int) -> list[dict[str, Any]]:
        self.calls.append(("top_rated_at", (start, limit)))
        return copy.deepcopy(self._ordered(self.movies, "rating", "desc", None)[start : start + limit])

    def movie_total(self, cur: FakeCursor) -> int:
        return len(self.movies)

    def get_movie(self, cur: FakeCursor, movie_id: str) -> dict[str, Any] | None:
        return next((copy.deepcopy(m) for m in self.movies if m["id"] == movie_id), None)

    def genres_after(self, cur: FakeCursor, after_key: str | None, limit: int) -> list[dict[str, Any]]:
        return copy.deepcopy([g for g in self.genres if after_key is None or g["key"] > after_key][:limit])

    def dashboard_stats(self, cur: FakeCursor, top_genres: int, latest_years: int) -> dict[str, Any]:
        self.calls.append(("dashboard_stats", (top_genres, latest_years)))
        assert self.stats is not None
        return copy.deepcopy(self.stats)

    def newest_movie(self, cur: FakeCursor) -> dict[str, Any] | None:
        return copy.deepcopy(self.newest)


Fake = TypeVar("Fake")


def install(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str, fake: Fake) -> Fake:
    """Put `fake` where `module` looks up `name` (a data module it imported) for one test."""
    monkeypatch.setattr(module, name, fake)
    return fake
