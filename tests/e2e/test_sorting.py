"""Issue 16: filter and search sort by title, rating or year either way, keyset-paged over real HTTP
against real PostgreSQL; no rating / no year last in both directions; a cursor continues only its own
order; each order walks an index. Also the dashboard's newest addition."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg2
import pytest

from data import movie_reads
from tests.conftest import reset_library
from tests.e2e.live import flush_stage_cache

ORDERS = [(sort, order) for sort in ("title", "rating", "year") for order in ("asc", "desc")]
# One capitalised word each (plus a digit): the same order under C and en_US collations alike.
WORDS = ["Amber", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Grove", "Harbor", "Amber2", "Amber10"]
GENRES = ["Drama", "Sci-Fi", "War"]
Movie = dict[str, Any]


def _library() -> list[tuple[str, str, float | None, int | None]]:
    """About 90 movies: many share a title, a rating or a year, and one in four has no rating / no year."""
    rng = random.Random(16)
    rows: dict[tuple[str, str, float | None, int | None], None] = {}
    while len(rows) < 90:
        rating = None if rng.random() < 0.25 else rng.choice([0.0, 3.5, 6.1, 7.0, 7.5, 9.9, 10.0])
        year = None if rng.random() < 0.25 else rng.choice([1900, 1999, 2004, 2019, 2100])
        rows[(rng.choice(WORDS), rng.choice(GENRES), rating, year)] = None
    return list(rows)


@pytest.fixture(scope="module")
def sortable(stack, fixture_library) -> Iterator[list[tuple[str, str, float | None, int | None]]]:
    reset_library(stack, None)
    rows = _library()
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO movies (title, genre, rating, year) VALUES (%s, %s, %s, %s)", rows)
    conn.close()
    yield rows
    reset_library(stack, fixture_library)


def _expected(movies: list[Movie], sort: str, order: str) -> list[str]:
    """Python's order for the same rule: by the column (missing values last either way), then title, id;
    title order is title, id both reversed for desc."""
    if sort == "title":
        ranked = sorted(movies, key=lambda m: (m["title"], m["id"]), reverse=order == "desc")
    else:

        def key(m: Movie) -> tuple[bool, float, str, str]:
            value = m[sort]
            return (value is None, 0.0 if value is None else (value if order == "asc" else -value), m["title"], m["id"])

        ranked = sorted(movies, key=key)
    return [m["id"] for m in ranked]


def _walk(api: httpx.Client, path: str, params: list[tuple[str, str]]) -> list[Movie]:
    seen: list[Movie] = []
    cursor: str | None = None
    for _ in range(100):
        response = api.get(path, params=params + ([("cursor", cursor)] if cursor else []))
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["movies"]
        cursor = body["pagination"]["nextCursor"]
        if not body["pagination"]["hasMore"]:
            assert cursor is None
            return seen
    raise AssertionError("more than 100 pages")


def _everything(api: httpx.Client, path: str, params: list[tuple[str, str]]) -> list[Movie]:
    return _walk(api, path, [*params, ("limit", "100")])


@pytest.mark.parametrize(("sort", "order"), ORDERS)
def test_filter_pages_through_every_order_without_skips_or_repeats(api: httpx.Client, sortable, sort: str, order: str) -> None:
    for filters in ([], [("genre", "drama"), ("genre", "WAR")]):
        everything = _everything(api, "/api/movies/filter", filters)
        assert len(everything) == (90 if not filters else sum(1 for r in sortable if r[1] != "Sci-Fi"))
        paged = _walk(api, "/api/movies/filter", [*filters, ("sort", sort), ("order", order), ("limit", "7")])
        assert [m["id"] for m in paged] == _expected(everything, sort, order)


@pytest.mark.parametrize(("sort", "order"), ORDERS)
def test_search_pages_through_every_order_without_skips_or_repeats(api: httpx.Client, sortable, sort: str, order: str) -> None:
    everything = _everything(api, "/api/movies/search", [("title", "e")])
    assert len(everything) == sum(1 for r in sortable if "e" in r[0].lower())
    paged = _walk(api, "/api/movies/search", [("title", "e"), ("sort", sort), ("order", order), ("limit", "6")])
    assert [m["id"] for m in paged] == _expected(everything, sort, order)


def test_defaults_keep_the_seeds_orders(api: httpx.Client, sortable) -> None:
    filtered = _everything(api, "/api/movies/filter", [])
    assert [m["id"] for m in filtered] == _expected(filtered, "rating", "desc")
    assert _walk(api, "/api/movies/filter", [("sort", "rating"), ("limit", "9")]) == filtered
    found = _everything(api, "/api/movies/search", [("title", "a")])
    assert [m["id"] for m in found] == _expected(found, "title", "asc")
    assert [m["id"] for m in _walk(api, "/api/movies/search", [("title", "a"), ("order", "desc")])] == _expected(
        found, "title", "desc"
    )


def _first_cursor(api: httpx.Client, path: str, params: list[tuple[str, str]]) -> str:
    body = api.get(path, params=[*params, ("limit", "5")]).json()
    assert body["pagination"]["hasMore"]
    return body["pagination"]["nextCursor"]


@pytest.mark.parametrize(("path", "base"), [("/api/movies/filter", []), ("/api/movies/search", [("title", "e")])])
def test_a_cursor_is_refused_for_another_order(api: httpx.Client, sortable, path: str, base: list) -> None:
    cursor = _first_cursor(api, path, [*base, ("sort", "year"), ("order", "asc")])
    for other in ([("sort", "rating"), ("order", "asc")], [("sort", "year"), ("order", "desc")], [("sort", "title")]):
        response = api.get(path, params=[*base, *other, ("cursor", cursor)])
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["details"] == [{"field": "cursor", "message": "issued for another sort order"}]
        assert "'cursor'" in error["message"] and "sorted by year asc" in error["message"]
    assert api.get(path, params=[*base, ("sort", "year"), ("order", "asc"), ("cursor", cursor)]).status_code == 200


def test_cursors_from_before_sorting_continue_the_default_order(api: httpx.Client, sortable) -> None:
    from domain import cursors

    first = api.get("/api/movies/search", params={"title": "e", "limit": 3}).json()["movies"]
    old = cursors.encode({"k": "search", "t": first[-1]["title"], "id": first[-1]["id"]})  # no "s"/"o"
    everything = _everything(api, "/api/movies/search", [("title", "e")])
    body = api.get("/api/movies/search", params={"title": "e", "limit": 3, "cursor": old}).json()
    assert body["movies"] == everything[3:6]
    assert api.get("/api/movies/search", params={"title": "e", "sort": "year", "cursor": old}).status_code == 400


@pytest.mark.deployable  # refused by the function before any row is read: whatever the library holds
@pytest.mark.parametrize(
    ("path", "params", "name", "allowed"),
    [
        ("/api/movies/filter", {"sort": "genre"}, "sort", "title, rating, year"),
        ("/api/movies/filter", {"order": "up"}, "order", "asc, desc"),
        ("/api/movies/search", {"title": "e", "sort": "YEAR"}, "sort", "relevance, title, rating, year"),
        ("/api/movies/search", {"title": "e", "order": ""}, "order", "asc, desc"),
    ],
)
def test_a_bad_sort_or_order_is_a_400_naming_it(api: httpx.Client, path: str, params: dict, name: str, allowed: str) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == name
    assert f"Invalid query parameter '{name}'" in error["message"] and f"must be one of {allowed}" in error["message"]


def test_forged_sort_keys_are_refused_before_the_database(api: httpx.Client, sortable) -> None:
    from domain import cursors

    some_id = str(uuid.uuid4())
    for sort, order, key in [
        ("year", "asc", "1999.5"),
        ("year", "desc", "-99999999999"),
        ("rating", "asc", "NaN"),
        ("rating", "desc", "1e400"),
        ("year", "asc", "x"),
    ]:
        forged = cursors.encode({"k": "filter", "s": sort, "o": order, "r": key, "t": "A", "id": some_id})
        response = api.get("/api/movies/filter", params={"sort": sort, "order": order, "cursor": forged})
        assert response.status_code == 400, (sort, order, key, response.text)
        assert response.json()["error"]["details"][0]["field"] == "cursor"


# ------------------------------------------------------------------------------------------ indexes


def _plan(cur: Any, statement: Any, params: dict[str, Any]) -> str:
    cur.execute(b"EXPLAIN " + cur.mogrify(statement, params))
    return "\n".join(row[0] for row in cur.fetchall())


def _plans(stack, work: Callable[[Any], None]) -> None:
    """Plans on a few thousand rows; seq scans off only in this transaction, so a tiny table cannot
    hide a missing index behind a cheaper seq scan (a Sort would still appear without one)."""
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) SELECT 'Plan ' || g, 'Genre ' || (g % 7),"
            " CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 101) / 10.0 END,"
            " CASE WHEN g % 9 = 0 THEN NULL ELSE 1900 + g % 200 END FROM generate_series(1, 4000) g"
        )
        cur.execute("ANALYZE movies")
        cur.execute("SET LOCAL enable_seqscan = off")
        work(cur)
        conn.rollback()
    conn.close()


INDEX_OF = {
    ("title", "asc"): "movies_title_order",
    ("title", "desc"): "movies_title_order",
    ("rating", "desc"): "movies_rank",
    ("rating", "asc"): "movies_rating_up",
    ("year", "desc"): "movies_year_down",
    ("year", "asc"): "movies_year_up",
}


def test_every_order_walks_its_index_without_a_sort(stack, sortable) -> None:
    after_of = {"title": None, "rating": "5", "year": "2000"}

    def work(cur: Any) -> None:
        for (sort, order), index in INDEX_OF.items():
            key = after_of[sort] if order == "asc" or after_of[sort] is None else f"-{after_of[sort]}"
            for after in (None, (key, "Plan 10", str(uuid.UUID(int=0)))):
                params = {"genres": None, "min_rating": None, "year": None, "limit": 21, **movie_reads._after_params(after)}
                plan = _plan(cur, movie_reads.filter_query(sort, order), params)
                assert f"Index Scan {'Backward ' if order == 'desc' and sort == 'title' else ''}using {index}" in plan.replace(
                    "Index Only Scan", "Index Scan"
                ), plan
                assert not re.search(r"(^|->  )Sort\b", plan, re.M), plan
                if after:
                    assert "Index Cond" in plan, plan  # the cursor's row comparison starts the walk
                plan = _plan(cur, movie_reads.search_query(sort, order), {**params, "pattern": "%plan%"})
                assert not re.search(r"(^|->  )Sort\b", plan, re.M), plan

    _plans(stack, work)


def test_the_newest_addition_is_one_index_probe(stack, sortable) -> None:
    def work(cur: Any) -> None:
        plan = _plan(cur, "SELECT id, title, created_at FROM movies ORDER BY created_at DESC, id DESC LIMIT 1", {})
        assert "movies_newest" in plan and not re.search(r"(^|->  )Sort\b", plan, re.M), plan

    _plans(stack, work)


# ------------------------------------------------------------------------------------------ dashboard


def test_dashboard_names_the_newest_addition_or_null(stack, api: httpx.Client, db, sortable) -> None:
    flush_stage_cache(stack)
    newest = api.get("/api/dashboard").json()["newest"]
    with db.cursor() as cur:
        cur.execute("SELECT id::text, title FROM movies ORDER BY created_at DESC, id DESC LIMIT 1")
        assert (newest["id"], newest["title"]) == cur.fetchone()
        cur.execute("INSERT INTO movies (title, genre, year) VALUES ('Newest Probe', 'Drama', 2001) RETURNING id::text")
        probe = cur.fetchone()[0]
    flush_stage_cache(stack)
    body = api.get("/api/dashboard").json()
    assert body["newest"]["id"] == probe and body["newest"]["title"] == "Newest Probe"
    assert re.match(r"\d{4}-\d\d-\d\dT", body["newest"]["created_at"])
    reset_library(stack, None)
    flush_stage_cache(stack)
    try:
        empty = api.get("/api/dashboard").json()
        assert empty["totalMovies"] == 0 and empty["newest"] is None
    finally:
        with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
            cur.executemany("INSERT INTO movies (title, genre, rating, year) VALUES (%s, %s, %s, %s)", sortable)
        conn.close()
