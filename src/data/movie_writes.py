"""The add pipeline's one write: insert a movie unless the same movie exists."""

from __future__ import annotations

from typing import Any

import psycopg2
from psycopg2 import sql

from data.db import Cursor
from data.movie_reads import COLUMNS, movie_row
from domain.messages import NewMovie


def insert_movie(cur: Cursor, movie: NewMovie, request_id: str) -> tuple[bool, dict[str, Any]]:
    """Insert unless the same movie exists. Returns (inserted by this request, the movie row).

    A redelivered message whose first insert committed finds its own request_id on the row and
    counts as inserted, so "created" never turns into "duplicate".
    """
    params = {**movie, "request_id": request_id}
    cur.execute(
        sql.SQL(
            "INSERT INTO movies (title, genre, rating, year, request_id)"
            " VALUES (%(title)s, %(genre)s, %(rating)s, %(year)s, %(request_id)s)"
            " ON CONFLICT DO NOTHING RETURNING {}"
        ).format(COLUMNS),
        params,
    )
    row = cur.fetchone()
    if row:
        return True, movie_row(row)
    cur.execute(
        sql.SQL(
            "SELECT {}, request_id FROM movies"
            " WHERE movie_key(title) = movie_key(%(title)s) AND movie_key(genre) = movie_key(%(genre)s)"
            " AND rating IS NOT DISTINCT FROM %(rating)s::numeric AND year IS NOT DISTINCT FROM %(year)s::int"
        ).format(COLUMNS),
        params,
    )
    existing = cur.fetchone()
    if existing is None:  # the conflicting row was deleted meanwhile: let the queue retry
        raise psycopg2.OperationalError("conflicting row vanished; retry")
    return str(existing[6]) == request_id, movie_row(existing[:6])
