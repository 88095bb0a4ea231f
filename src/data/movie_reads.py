"""The read queries of the REST API: parameterised, the few dynamic parts composed with psycopg2.sql."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psycopg2 import sql

from data.db import Cursor, one_row
from domain import contract

COLUMNS = sql.SQL("id, title, genre, rating, year, created_at")
_WHERE_GENRES = "(%(genres)s::text[] IS NULL OR lower(genre) = ANY(%(genres)s::text[]))"
_WHERE_MIN_RATING = "(%(min_rating)s::numeric IS NULL OR rating >= %(min_rating)s::numeric)"
_WHERE_YEAR = "(%(year)s::int IS NULL OR year = %(year)s::int)"
_FILTER_WHERE = sql.SQL(f" {_WHERE_GENRES} AND {_WHERE_MIN_RATING} AND {_WHERE_YEAR}")


@dataclass(frozen=True)
class SortKey:
    """One listing order as a single ascending value, no rating / no year last either way; rows with
    equal keys follow by title, then id. `expression` matches an index of migration 0002 or 0009."""

    expression: sql.Composable
    integral: bool  # year keys are int (so the comparison can use the index), rating keys numeric
    of_movie: Callable[[dict[str, Any]], Decimal]  # the key of a returned row, as a cursor keeps it
    low: Decimal  # the key's possible range, to refuse a forged cursor before PostgreSQL sees it
    high: Decimal

    @property
    def type(self) -> sql.Composable:
        return sql.SQL("int") if self.integral else sql.SQL("numeric")


def _rating(sign: int, missing: int) -> Callable[[dict[str, Any]], Decimal]:
    return lambda m: sign * Decimal(str(m["rating"])) if m["rating"] is not None else Decimal(missing)


def _year(sign: int, missing: int) -> Callable[[dict[str, Any]], Decimal]:
    return lambda m: Decimal(sign * m["year"]) if m["year"] is not None else Decimal(missing)


# The document's MovieInput ranges bound the keys; the sentinels for no rating / no year (-1, 11, 9999) are
# the index expressions' of migration 0009, so they stay written here, beyond those ranges.
_MIN_RATING, _MAX_RATING = Decimal(str(contract.MIN_RATING)), Decimal(str(contract.MAX_RATING))
_MIN_YEAR, _MAX_YEAR = Decimal(contract.MIN_YEAR), Decimal(contract.MAX_YEAR)

# The whitelist of orders (the API's sort and order values); nothing a client sends reaches the SQL.
SORT_KEYS: dict[tuple[str, str], SortKey] = {
    ("rating", "desc"): SortKey(sql.SQL("(-coalesce(rating, -1))"), False, _rating(-1, 1), -_MAX_RATING, Decimal(1)),
    ("rating", "asc"): SortKey(sql.SQL("(coalesce(rating, 11))"), False, _rating(1, 11), _MIN_RATING, Decimal(11)),
    ("year", "desc"): SortKey(sql.SQL("(-coalesce(year, -1))"), True, _year(-1, 1), -_MAX_YEAR, Decimal(1)),
    ("year", "asc"): SortKey(sql.SQL("(coalesce(year, 9999))"), True, _year(1, 9999), _MIN_YEAR, Decimal(9999)),
}
RANK = SORT_KEYS[("rating", "desc")]  # the ranking (top rated, the filter's default); index movies_rank


def sort_key(sort: str, order: str) -> SortKey | None:
    """The key of an order; None for title order (title, id; index movies_title_order either way)."""
    if sort == "title" and order in ("asc", "desc"):
        return None
    return SORT_KEYS[(sort, order)]


def _ordering(sort: str, order: str) -> tuple[sql.Composable, sql.Composable]:
    """(ORDER BY list, the keyset condition "after the cursor's row") for a whitelisted order."""
    key = sort_key(sort, order)
    if key is None:
        direction, beyond = (sql.SQL("ASC"), sql.SQL(">")) if order == "asc" else (sql.SQL("DESC"), sql.SQL("<"))
        return (
            sql.SQL("title {d}, id {d}").format(d=direction),
            sql.SQL("(%(after_title)s::text IS NULL OR (title, id) {beyond} (%(after_title)s::text, %(after_id)s::uuid))").format(
                beyond=beyond
            ),
        )
    return (
        sql.SQL("{key}, title, id").format(key=key.expression),
        sql.SQL(
            "(%(after_title)s::text IS NULL OR ({key}, title, id) > "
            "(%(after_key)s::{type}, %(after_title)s::text, %(after_id)s::uuid))"
        ).format(key=key.expression, type=key.type),
    )


def _after_params(after: tuple[str | None, str, str] | None) -> dict[str, Any]:
    key, title, movie_id = after or (None, None, None)
    return {"after_key": key, "after_title": title, "after_id": movie_id}


def cursor_key(movie: dict[str, Any], sort: str, order: str) -> str | None:
    """The sort key of a returned row as a cursor stores it (None for title order)."""
    key = sort_key(sort, order)
    return str(key.of_movie(movie)) if key else None


def movie_row(row: tuple[Any, ...]) -> dict[str, Any]:
    movie_id, title, genre, rating, year, created_at = row
    return {
        "id": str(movie_id),
        "title": title,
        "genre": genre,
        "rating": float(rating) if rating is not None else None,
        "year": year,
        "created_at": created_at.isoformat(),
    }


def _rows(cur: Cursor) -> list[dict[str, Any]]:
    return [movie_row(r) for r in cur.fetchall()]


def movie_total(cur: Cursor) -> int:
    cur.execute("SELECT total FROM movie_stats")
    return int(one_row(cur)[0])


def dashboard_stats(cur: Cursor, top_genres: int, latest_years: int) -> dict[str, Any]:
    """The dashboard from the aggregate tables (migration 0006): small reads, never a scan of movies."""
    cur.execute("SELECT total, rated, round(rating_sum / nullif(rated, 0), 1) FROM movie_stats")
    total, rated, average = one_row(cur)
    cur.execute(
        "SELECT display, movies FROM genre_stats WHERE movies > 0 ORDER BY movies DESC, genre_key LIMIT %s", (top_genres,)
    )
    genres = [{"genre": g, "count": n} for g, n in cur.fetchall()]
    cur.execute("SELECT year, movies FROM year_stats WHERE movies > 0 ORDER BY year")
    years = [{"year": y, "count": n} for y, n in cur.fetchall()]
    cur.execute("SELECT bucket, movies FROM rating_stats WHERE movies > 0")
    buckets = dict(cur.fetchall())
    return {
        "total": int(total),
        "unrated": int(total - rated),
        "average": float(average) if average is not None else None,
        "top_genres": genres,
        "latest_years": list(reversed(years))[:latest_years],
        "years": years,
        "buckets": {bucket: int(buckets.get(bucket, 0)) for bucket in contract.RATING_BUCKETS},
    }


def genres_after(cur: Cursor, after_key: str | None, limit: int) -> list[dict[str, Any]]:
    """A page of genres by key (lower-case name), from the aggregate kept with every insert."""
    cur.execute(
        "SELECT display, movies, genre_key FROM genre_stats WHERE (%(after)s::text IS NULL OR genre_key > %(after)s)"
        " ORDER BY genre_key LIMIT %(limit)s",
        {"after": after_key, "limit": limit},
    )
    return [{"genre": g, "count": n, "key": k} for g, n, k in cur.fetchall()]


def get_movie(cur: Cursor, movie_id: str) -> dict[str, Any] | None:
    cur.execute(sql.SQL("SELECT {} FROM movies WHERE id = %s").format(COLUMNS), (movie_id,))
    row = cur.fetchone()
    return movie_row(row) if row else None


def search_query(sort: str, order: str) -> sql.Composed:
    order_by, after = _ordering(sort, order)
    return sql.SQL(
        "SELECT {columns} FROM movies WHERE title ILIKE %(pattern)s AND {after} ORDER BY {order_by} LIMIT %(limit)s"
    ).format(columns=COLUMNS, after=after, order_by=order_by)


def search_by_title(
    cur: Cursor,
    pattern: str,
    after: tuple[str | None, str, str] | None,
    limit: int,
    sort: str = "title",
    order: str = "asc",
) -> list[dict[str, Any]]:
    """A page of titles matching `pattern`; `after` is the last row's (key, title, id) of the page before."""
    cur.execute(search_query(sort, order), {"pattern": pattern, "limit": limit, **_after_params(after)})
    return _rows(cur)


# A minimum rating or a year said on the sort key instead, so the ordered walk starts and stops where the filter
# does (issue 27: rating asc from 7 no longer reads every lower rating first), and the planner, seeing one
# condition rather than two it takes for independent, does not underestimate the rows and sort them instead.
# Equivalent: a minimum rating is >= 0 and a year is not null, so the sentinels for missing values never pass.
_ON_KEY: dict[tuple[str, str], tuple[str, str]] = {  # (filter replaced, its condition on the key)
    ("rating", "desc"): (_WHERE_MIN_RATING, "(%(min_rating)s::numeric IS NULL OR {key} <= -%(min_rating)s::numeric)"),
    ("rating", "asc"): (_WHERE_MIN_RATING, "(%(min_rating)s::numeric IS NULL OR {key} BETWEEN %(min_rating)s::numeric AND 10)"),
    ("year", "desc"): (_WHERE_YEAR, "(%(year)s::int IS NULL OR {key} = -%(year)s::int)"),
    ("year", "asc"): (_WHERE_YEAR, "(%(year)s::int IS NULL OR {key} = %(year)s::int)"),
}


def filter_query(sort: str, order: str) -> sql.Composed:
    order_by, after = _ordering(sort, order)
    key = sort_key(sort, order)
    where: sql.Composable = _FILTER_WHERE
    if key is not None:
        replaced, on_key = _ON_KEY[(sort, order)]
        kept = [c for c in (_WHERE_GENRES, _WHERE_MIN_RATING, _WHERE_YEAR) if c != replaced]
        where = sql.SQL(" AND ".join([*kept, on_key])).format(key=key.expression)
    return sql.SQL("SELECT {columns} FROM movies WHERE {where} AND {after} ORDER BY {order_by} LIMIT %(limit)s").format(
        columns=COLUMNS, where=where, after=after, order_by=order_by
    )


# The filter's exact count from the counts migration 0030 keeps per (genre key, rating) and per (genre key, year,
# rating): a sum of at most a few thousand small rows. No rating is kept as -1, no year as 0: neither passes a
# minimum rating or a year.
_COUNT_WHERE = sql.SQL(
    " (%(genres)s::text[] IS NULL OR genre_key = ANY(%(genres)s::text[]))"
    " AND (%(min_rating)s::numeric IS NULL OR rating >= %(min_rating)s::numeric)"
)
_COUNT_ANY_YEAR = sql.SQL("SELECT coalesce(sum(movies), 0) FROM genre_rating_counts WHERE {}").format(_COUNT_WHERE)
_COUNT_IN_YEAR = sql.SQL("SELECT coalesce(sum(movies), 0) FROM genre_year_rating_counts WHERE year = %(year)s AND {}").format(
    _COUNT_WHERE
)


def count_filtered(cur: Cursor, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> int:
    """How many movies the filter matches, exactly, without reading movies."""
    cur.execute(
        _COUNT_ANY_YEAR if year is None else _COUNT_IN_YEAR,
        {"genres": genre_keys, "min_rating": min_rating, "year": year},
    )
    return int(one_row(cur)[0])


def filter_and_count_query(sort: str, order: str, in_a_year: bool) -> sql.Composed:
    order_by, _after = _ordering(sort, order)
    return sql.SQL("SELECT page.*, ({count}) FROM ({page}) page ORDER BY {order_by}").format(
        count=_COUNT_IN_YEAR if in_a_year else _COUNT_ANY_YEAR, page=filter_query(sort, order), order_by=order_by
    )


def filter_page_and_count(
    cur: Cursor,
    genre_keys: list[str] | None,
    min_rating: float | None,
    year: int | None,
    after: tuple[str | None, str, str] | None,
    limit: int,
    sort: str = "rating",
    order: str = "desc",
) -> tuple[list[dict[str, Any]], int]:
    """The filter's page (filter_query) and its exact count (count_filtered) in one round trip: every page row
    carries the count (an InitPlan, run once). A page past the end has no row to carry it: then the count is
    asked for alone."""
    cur.execute(
        filter_and_count_query(sort, order, year is not None),
        {"genres": genre_keys, "min_rating": min_rating, "year": year, "limit": limit, **_after_params(after)},
    )
    rows = cur.fetchall()
    if not rows:
        return [], count_filtered(cur, genre_keys, min_rating, year)
    return [movie_row(r[:-1]) for r in rows], int(rows[0][-1])


def top_rated_after(cur: Cursor, after: tuple[str, str, str] | None, limit: int) -> list[dict[str, Any]]:
    order_by, after_sql = _ordering("rating", "desc")
    cur.execute(
        sql.SQL("SELECT {columns} FROM movies WHERE {after} ORDER BY {order_by} LIMIT %(limit)s").format(
            columns=COLUMNS, after=after_sql, order_by=order_by
        ),
        {"limit": limit, **_after_params(after)},
    )
    return _rows(cur)


def top_rated_at(cur: Cursor, start: int, limit: int) -> list[dict[str, Any]]:
    cur.execute(
        sql.SQL("SELECT {} FROM movies ORDER BY {}, title, id OFFSET %s LIMIT %s").format(COLUMNS, RANK.expression),
        (start, limit),
    )
    return _rows(cur)


def newest_movie(cur: Cursor) -> dict[str, Any] | None:
    """The most recently created movie (index movies_newest), or None for an empty library."""
    cur.execute("SELECT id, title, created_at FROM movies ORDER BY created_at DESC, id DESC LIMIT 1")
    row = cur.fetchone()
    return {"id": str(row[0]), "title": row[1], "created_at": row[2].isoformat()} if row else None


def rank_key(movie: dict[str, Any]) -> str:
    """The value of the ranking key for a movie, as the cursor stores it."""
    return str(RANK.of_movie(movie))
