"""The add pipeline's one write: insert a movie unless the same movie exists."""

from __future__ import annotations

from typing import Any

import psycopg2
from psycopg2 import sql

from data import audit
from data.db import Cursor
from data.movie_reads import COLUMNS, movie_row
from domain.messages import NewMovie


def insert_movie(cur: Cursor, movie: NewMovie, request_id: str, owner: str | None = None) -> tuple[bool, dict[str, Any]]:
    """Insert unless the same movie exists. Returns (inserted by this request, the movie row).

    A redelivered message whose first insert committed finds its own request_id on the row and
    counts as inserted, so "created" never turns into "duplicate". Corrections may have changed or
    deleted that row since: the redelivery then reports the row as it is (or was when deleted) and
    inserts nothing, so a queued add never undoes an edit or brings a deleted movie back. The row lock
    (FOR UPDATE) orders this against a concurrent correction of the same row (DESIGN §5).
    """
    params = {**movie, "request_id": request_id, "owner": owner}
    cur.execute(sql.SQL("SELECT {} FROM movies WHERE request_id = %s FOR UPDATE").format(COLUMNS), (request_id,))
    mine = cur.fetchone()
    if mine:
        return True, movie_row(mine)
    tombstone = audit.deleted_by_request(cur, request_id)
    if tombstone is not None:
        return True, {k: tombstone[k] for k in ("id", "title", "genre", "rating", "year", "created_at")}
    cur.execute(
        sql.SQL(
            "INSERT INTO movies (title, genre, rating, year, request_id, added_by)"
            " VALUES (%(title)s, %(genre)s, %(rating)s, %(year)s, %(request_id)s, %(owner)s)"
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
