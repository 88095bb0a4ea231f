"""The read queries of the REST API: parameterised, the few dynamic parts composed with psycopg2.sql."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from psycopg2 import sql

from data.db import Cursor

COLUMNS = sql.SQL("id, title, genre, rating, year, created_at")
# The ranking key (rating desc, no rating last) as one ascending value; matches index movies_rank.
_RANK = sql.SQL("(-coalesce(rating, -1))")
_FILTER_WHERE = sql.SQL(
    " (%(genres)s::text[] IS NULL OR lower(genre) = ANY(%(genres)s::text[]))"
    " AND (%(min_rating)s::numeric IS NULL OR rating >= %(min_rating)s::numeric)"
    " AND (%(year)s::int IS NULL OR year = %(year)s::int)"
)
_AFTER_RANK = sql.SQL(
    "(%(rank)s::numeric IS NULL OR ({rank}, title, id) > (%(rank)s::numeric, %(title)s::text, %(id)s::uuid))"
).format(rank=_RANK)


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
    return int(cur.fetchone()[0])


def dashboard_stats(cur: Cursor, top_genres: int, latest_years: int) -> dict[str, Any]:
    """The dashboard from the aggregate tables (migration 0006): small reads, never a scan of movies."""
    cur.execute("SELECT total, rated, round(rating_sum / nullif(rated, 0), 1) FROM movie_stats")
    total, rated, average = cur.fetchone()
    cur.execute("SELECT display, movies FROM genre_stats WHERE movies > 0 ORDER BY movies DESC, genre_key LIMIT %s",
                (top_genres,))
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
        "buckets": {bucket: int(buckets.get(bucket, 0)) for bucket in range(11)},
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


def search_by_title(cur: Cursor, pattern: str, after: tuple[str, str] | None, limit: int) -> list[dict[str, Any]]:
    after_title, after_id = after or (None, None)
    cur.execute(
        sql.SQL(
            "SELECT {} FROM movies WHERE title ILIKE %(pattern)s"
            " AND (%(after_title)s::text IS NULL OR (title, id) > (%(after_title)s::text, %(after_id)s::uuid))"
            " ORDER BY title, id LIMIT %(limit)s"
        ).format(COLUMNS),
        {"pattern": pattern, "after_title": after_title, "after_id": after_id, "limit": limit},
    )
    return _rows(cur)


def filter_movies(
    cur: Cursor,
    genre_keys: list[str] | None,
    min_rating: float | None,
    year: int | None,
    after: tuple[str, str, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rank, title, movie_id = after or (None, None, None)
    cur.execute(
        sql.SQL("SELECT {columns} FROM movies WHERE {where} AND {after} ORDER BY {rank}, title, id LIMIT %(limit)s")
        .format(columns=COLUMNS, where=_FILTER_WHERE, after=_AFTER_RANK, rank=_RANK),
        {"genres": genre_keys, "min_rating": min_rating, "year": year,
         "rank": rank, "title": title, "id": movie_id, "limit": limit},
    )
    return _rows(cur)


def count_filtered(cur: Cursor, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> int:
    cur.execute(
        sql.SQL("SELECT count(*) FROM movies WHERE {}").format(_FILTER_WHERE),
        {"genres": genre_keys, "min_rating": min_rating, "year": year},
    )
    return int(cur.fetchone()[0])


def top_rated_after(cur: Cursor, after: tuple[str, str, str] | None, limit: int) -> list[dict[str, Any]]:
    rank, title, movie_id = after or (None, None, None)
    cur.execute(
        sql.SQL("SELECT {columns} FROM movies WHERE {after} ORDER BY {rank}, title, id LIMIT %(limit)s")
        .format(columns=COLUMNS, after=_AFTER_RANK, rank=_RANK),
        {"rank": rank, "title": title, "id": movie_id, "limit": limit},
    )
    return _rows(cur)


def top_rated_at(cur: Cursor, start: int, limit: int) -> list[dict[str, Any]]:
    cur.execute(sql.SQL("SELECT {} FROM movies ORDER BY {}, title, id OFFSET %s LIMIT %s").format(COLUMNS, _RANK),
                (start, limit))
    return _rows(cur)


def rank_key(movie: dict[str, Any]) -> str:
    """The value of the ranking key for a movie, as the cursor stores it."""
    rating = movie["rating"]
    return str(-Decimal(str(rating))) if rating is not None else "1"
