"""The corrections' audit trail (movie_audit) and Drive suppressions (movie_suppressions), migration 0020.

Written in the transaction of the change they record; read by GET /api/movies/{id}/history and the ETL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from data.db import Cursor, one_row


@dataclass(frozen=True)
class Actor:
    sub: str
    email: str | None
    librarian: bool


def record(
    cur: Cursor,
    movie_id: str,
    action: str,
    actor: Actor,
    before: dict[str, Any],
    after: dict[str, Any] | None,
    request_id: str | None = None,
    suppressed: bool = False,
) -> int:
    cur.execute(
        "INSERT INTO movie_audit (movie_id, action, actor, actor_email, librarian, before, after, request_id,"
        " suppressed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            movie_id,
            action,
            actor.sub,
            actor.email,
            actor.librarian,
            json.dumps(before),
            json.dumps(after) if after is not None else None,
            request_id,
            suppressed,
        ),
    )
    return int(one_row(cur)[0])


def deleted_by_request(cur: Cursor, request_id: str) -> dict[str, Any] | None:
    """The movie an add request created, if a correction deleted it since (its tombstone)."""
    cur.execute("SELECT before FROM movie_audit WHERE request_id = %s AND action = 'delete' ORDER BY id LIMIT 1", (request_id,))
    row = cur.fetchone()
    return dict(row[0]) if row else None


def adder(cur: Cursor, movie_id: str) -> tuple[bool, str | None] | None:
    """For a movie that no longer exists: (it was API-added, its adder) from its delete's audit row."""
    cur.execute(
        "SELECT request_id, before->>'addedBy' FROM movie_audit WHERE movie_id = %s AND action = 'delete'"
        " ORDER BY id DESC LIMIT 1",
        (movie_id,),
    )
    row = cur.fetchone()
    return (row[0] is not None, row[1]) if row else None


def history(cur: Cursor, movie_id: str, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Audit rows of one movie, newest first, below `before_id` (keyset); limit + 1 asks for one more."""
    cur.execute(
        "SELECT id, action, actor, actor_email, librarian, at, before, after, suppressed FROM movie_audit"
        " WHERE movie_id = %(movie)s AND (%(before)s::bigint IS NULL OR id < %(before)s::bigint)"
        " ORDER BY id DESC LIMIT %(limit)s",
        {"movie": movie_id, "before": before_id, "limit": limit},
    )
    return [
        {
            "id": str(r[0]),
            "action": r[1],
            "actor": {"sub": r[2], "email": r[3], "librarian": r[4]},
            "at": r[5].isoformat(),
            "before": _public(r[6]),
            "after": _public(r[7]) if r[7] is not None else None,
            "suppressed": r[8],
        }
        for r in cur.fetchall()
    ]


def _public(movie: dict[str, Any]) -> dict[str, Any]:
    return {k: movie[k] for k in ("id", "title", "genre", "rating", "year", "created_at") if k in movie}


def backing_files(cur: Cursor, movie_id: str) -> list[dict[str, Any]]:
    """The source file versions that back a movie (movie_sources, migration 0010), with each file's path
    as the ETL last recorded it; empty for a movie no file links (an API add, or a pre-provenance row)."""
    cur.execute(
        "SELECT l.source, l.file_id, l.version, f.path FROM movie_sources l"
        " LEFT JOIN etl_files f ON f.source = l.source AND f.file_id = l.file_id AND f.modified = l.version"
        " WHERE l.movie_id = %s AND l.file_id <> '' ORDER BY l.source, l.file_id, l.version",
        (movie_id,),
    )
    return [{"source": r[0], "fileId": r[1], "modified": r[2], "path": r[3]} for r in cur.fetchall()]


def suppress(cur: Cursor, movie: dict[str, Any], actor: Actor, files: list[dict[str, Any]]) -> None:
    """Record that a librarian removed a Drive movie: the ETL skips this record in each file version that
    backed it until the file changes (with no file known, a record with this identity in any file)."""
    for file in files or [{}]:
        cur.execute(
            "INSERT INTO movie_suppressions (movie_id, source, file_id, modified, path, title_key, genre_key,"
            " rating, year, suppressed_by) VALUES (%s, %s, %s, %s, %s, movie_key(%s), movie_key(%s), %s, %s, %s)",
            (
                movie["id"],
                file.get("source"),
                file.get("fileId"),
                file.get("modified"),
                file.get("path"),
                movie["title"],
                movie["genre"],
                movie["rating"],
                movie["year"],
                actor.sub,
            ),
        )
