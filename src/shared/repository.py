"""Every SQL statement the product runs: parameterised, never formatted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2.extras import execute_values

Cursor = psycopg2.extensions.cursor

_MIGRATION_LOCK = 7_264_001  # pg_advisory_xact_lock key for migrations
_COLUMNS = "id, title, genre, rating, year, created_at"
# The ranking key (rating desc, no rating last) as one ascending value; matches index movies_rank.
_RANK = "(-coalesce(rating, -1))"


def movie_row(row: tuple) -> dict[str, Any]:
    movie_id, title, genre, rating, year, created_at = row
    return {
        "id": str(movie_id),
        "title": title,
        "genre": genre,
        "rating": float(rating) if rating is not None else None,
        "year": year,
        "created_at": created_at.isoformat(),
    }


# --- migrations ---------------------------------------------------------------------------

def lock_migrations(cur: Cursor) -> None:
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))


def ensure_migrations_table(cur: Cursor) -> None:
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )


def applied_migrations(cur: Cursor) -> set[str]:
    cur.execute("SELECT version FROM schema_migrations")
    return {r[0] for r in cur.fetchall()}


def record_migration(cur: Cursor, version: str) -> None:
    cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))


# --- reads --------------------------------------------------------------------------------

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


def genres_after(cur: Cursor, after_key: str | None, limit: int) -> list[dict]:
    """A page of genres by key (lower-case name), from the aggregate kept with every insert."""
    cur.execute(
        "SELECT display, movies, genre_key FROM genre_stats WHERE (%(after)s::text IS NULL OR genre_key > %(after)s)"
        " ORDER BY genre_key LIMIT %(limit)s",
        {"after": after_key, "limit": limit},
    )
    return [{"genre": g, "count": n, "key": k} for g, n, k in cur.fetchall()]


def all_genres(cur: Cursor) -> list[dict]:
    cur.execute("SELECT min(genre), count(*) FROM movies GROUP BY lower(genre) ORDER BY lower(genre)")
    return [{"genre": g, "count": n} for g, n in cur.fetchall()]


def get_movie(cur: Cursor, movie_id: str) -> dict | None:
    cur.execute(f"SELECT {_COLUMNS} FROM movies WHERE id = %s", (movie_id,))
    row = cur.fetchone()
    return movie_row(row) if row else None


def search_by_title(cur: Cursor, pattern: str, after: tuple[str, str] | None, limit: int) -> list[dict]:
    after_title, after_id = after or (None, None)
    cur.execute(
        f"SELECT {_COLUMNS} FROM movies WHERE title ILIKE %(pattern)s"
        " AND (%(after_title)s::text IS NULL OR (title, id) > (%(after_title)s::text, %(after_id)s::uuid))"
        " ORDER BY title, id LIMIT %(limit)s",
        {"pattern": pattern, "after_title": after_title, "after_id": after_id, "limit": limit},
    )
    return [movie_row(r) for r in cur.fetchall()]


_FILTER_WHERE = (
    " (%(genres)s::text[] IS NULL OR lower(genre) = ANY(%(genres)s::text[]))"
    " AND (%(min_rating)s::numeric IS NULL OR rating >= %(min_rating)s::numeric)"
    " AND (%(year)s::int IS NULL OR year = %(year)s::int)"
)


def filter_movies(
    cur: Cursor,
    genre_keys: list[str] | None,
    min_rating: float | None,
    year: int | None,
    after: tuple[str, str, str] | None,
    limit: int,
) -> list[dict]:
    rank, title, movie_id = after or (None, None, None)
    cur.execute(
        f"SELECT {_COLUMNS} FROM movies WHERE {_FILTER_WHERE}"
        f" AND (%(rank)s::numeric IS NULL OR ({_RANK}, title, id) > (%(rank)s::numeric, %(title)s::text, %(id)s::uuid))"
        f" ORDER BY {_RANK}, title, id LIMIT %(limit)s",
        {"genres": genre_keys, "min_rating": min_rating, "year": year,
         "rank": rank, "title": title, "id": movie_id, "limit": limit},
    )
    return [movie_row(r) for r in cur.fetchall()]


def count_filtered(cur: Cursor, genre_keys: list[str] | None, min_rating: float | None, year: int | None) -> int:
    cur.execute(
        f"SELECT count(*) FROM movies WHERE {_FILTER_WHERE}",
        {"genres": genre_keys, "min_rating": min_rating, "year": year},
    )
    return int(cur.fetchone()[0])


def top_rated_after(cur: Cursor, after: tuple[str, str, str] | None, limit: int) -> list[dict]:
    rank, title, movie_id = after or (None, None, None)
    cur.execute(
        f"SELECT {_COLUMNS} FROM movies"
        f" WHERE %(rank)s::numeric IS NULL OR ({_RANK}, title, id) > (%(rank)s::numeric, %(title)s::text, %(id)s::uuid)"
        f" ORDER BY {_RANK}, title, id LIMIT %(limit)s",
        {"rank": rank, "title": title, "id": movie_id, "limit": limit},
    )
    return [movie_row(r) for r in cur.fetchall()]


def top_rated_at(cur: Cursor, start: int, limit: int) -> list[dict]:
    cur.execute(f"SELECT {_COLUMNS} FROM movies ORDER BY {_RANK}, title, id OFFSET %s LIMIT %s", (start, limit))
    return [movie_row(r) for r in cur.fetchall()]


def rank_key(movie: dict) -> str:
    """The value of the ranking key for a movie, as the cursor stores it."""
    rating = movie["rating"]
    return str(-Decimal(str(rating))) if rating is not None else "1"


# --- writes -------------------------------------------------------------------------------

def insert_movie(cur: Cursor, movie: dict[str, Any], request_id: str) -> tuple[bool, dict]:
    """Insert unless the same movie exists. Returns (inserted by this request, the movie row).

    A redelivered message whose first insert committed finds its own request_id on the row and
    counts as inserted, so "created" never turns into "duplicate".
    """
    params = {**movie, "request_id": request_id}
    cur.execute(
        "INSERT INTO movies (title, genre, rating, year, request_id)"
        " VALUES (%(title)s, %(genre)s, %(rating)s, %(year)s, %(request_id)s)"
        f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
        params,
    )
    row = cur.fetchone()
    if row:
        return True, movie_row(row)
    cur.execute(
        f"SELECT {_COLUMNS}, request_id FROM movies"
        " WHERE movie_key(title) = movie_key(%(title)s) AND movie_key(genre) = movie_key(%(genre)s)"
        " AND rating IS NOT DISTINCT FROM %(rating)s::numeric AND year IS NOT DISTINCT FROM %(year)s::int",
        params,
    )
    existing = cur.fetchone()
    if existing is None:  # the conflicting row was deleted meanwhile: let the queue retry
        raise psycopg2.OperationalError("conflicting row vanished; retry")
    return str(existing[6]) == request_id, movie_row(existing[:6])


def stage_movies(cur: Cursor, rows: Iterable[tuple[str, str, Any, Any]]) -> int:
    """COPY rows (already normalised) into this session's staging table; returns how many."""
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS movie_staging"
        " (title text, genre text, rating numeric(3,1), year int) ON COMMIT DELETE ROWS"
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    count = 0
    for title, genre, rating, year in rows:
        writer.writerow((title, genre, "" if rating is None else rating, "" if year is None else year))
        count += 1
    buf.seek(0)
    cur.copy_expert("COPY movie_staging (title, genre, rating, year) FROM STDIN WITH (FORMAT csv)", buf)
    return count


def insert_staged(cur: Cursor) -> tuple[int, int]:
    """Insert the staged rows that are new; returns (distinct rows staged, rows inserted)."""
    cur.execute(
        "WITH batch AS ("
        "  SELECT DISTINCT ON (movie_key(title), movie_key(genre), rating, year) title, genre, rating, year"
        "  FROM movie_staging ORDER BY movie_key(title), movie_key(genre), rating, year),"
        " inserted AS ("
        "  INSERT INTO movies (title, genre, rating, year) SELECT title, genre, rating, year FROM batch"
        "  ON CONFLICT DO NOTHING RETURNING 1)"
        " SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM inserted)"
    )
    distinct, inserted = cur.fetchone()
    return int(distinct), int(inserted)


# --- ETL runs and checkpoints -------------------------------------------------------------

def record_files(cur: Cursor, source: str, run_id: int, files: list[tuple[str, str, str, str, str | None]]) -> None:
    """files: (file_id, modified, path, outcome, reason)."""
    execute_values(
        cur,
        "INSERT INTO etl_files (source, file_id, modified, path, outcome, reason, run_id)"
        " VALUES %s ON CONFLICT (source, file_id, modified) DO NOTHING",
        [(source, f, m, p, o, r, run_id) for f, m, p, o, r in files],
        page_size=1000,
    )
