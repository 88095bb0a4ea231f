"""The corrections' reads and writes of movies: lock one row, update it, delete it (issue 22).

Each runs inside the caller's transaction (db.run), together with the audit row (data.audit), so a
correction and its audit row commit or roll back together. The aggregate triggers of migration 0006
keep the dashboard exact through both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from data.db import Cursor, one_row
from data.movie_reads import COLUMNS, movie_row

_EDITABLE = ("title", "genre", "rating", "year")


@dataclass(frozen=True)
class StoredMovie:
    """A movie row with what corrections decide on: its version, its add request and adder."""

    movie: dict[str, Any]
    version: int
    request_id: str | None  # None: no API add created it (loaded from Drive by the ETL)
    added_by: str | None


def lock(cur: Cursor, movie_id: str) -> StoredMovie | None:
    """The row, locked until the transaction ends (a concurrent edit, delete or redelivered add waits)."""
    return _select(cur, movie_id, sql.SQL(" FOR UPDATE"))


def read(cur: Cursor, movie_id: str) -> StoredMovie | None:
    return _select(cur, movie_id, sql.SQL(""))


def _select(cur: Cursor, movie_id: str, locking: sql.Composable) -> StoredMovie | None:
    cur.execute(
        sql.SQL("SELECT {}, version, request_id, added_by FROM movies WHERE id = %s{}").format(COLUMNS, locking), (movie_id,)
    )
    row = cur.fetchone()
    if row is None:
        return None
    return StoredMovie(movie_row(row[:6]), int(row[6]), str(row[7]) if row[7] else None, row[8])


def identical(cur: Cursor, movie: dict[str, Any], excluding: str) -> dict[str, Any] | None:
    """Another movie equal to `movie` under the library's uniqueness rule (movies_identity_key)."""
    cur.execute(
        sql.SQL(
            "SELECT {} FROM movies"
            " WHERE movie_key(title) = movie_key(%(title)s) AND movie_key(genre) = movie_key(%(genre)s)"
            " AND rating IS NOT DISTINCT FROM %(rating)s::numeric AND year IS NOT DISTINCT FROM %(year)s::int"
            " AND id <> %(excluding)s"
        ).format(COLUMNS),
        {**movie, "excluding": excluding},
    )
    row = cur.fetchone()
    return movie_row(row) if row else None


def update(cur: Cursor, movie_id: str, changes: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Apply the changes and raise the version. Returns (the movie, its new version). A unique
    violation (an equal movie committed meanwhile) propagates for the caller to report."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(field), sql.Placeholder(field)) for field in _EDITABLE if field in changes
    )
    cur.execute(
        sql.SQL("UPDATE movies SET {}, version = version + 1, updated_at = now() WHERE id = %(id)s RETURNING {}, version").format(
            assignments, COLUMNS
        ),
        {**changes, "id": movie_id},
    )
    row = one_row(cur)
    return movie_row(row[:6]), int(row[6])


def delete(cur: Cursor, movie_id: str) -> None:
    cur.execute("DELETE FROM movies WHERE id = %s", (movie_id,))
