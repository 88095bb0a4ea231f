"""ETL run history as the API reads it: the runs, newest first, and one run's file report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg2 import sql

from data.db import Cursor

COUNTS = (
    "files_seen",
    "files_downloaded",
    "movies_new",
    "movies_present",
    "quarantined",
    "failed",
    "deleted_seen",
    "removed",
    "replaced",
    "held",
)
_RUN_COLUMNS = sql.SQL(", ").join(
    sql.Identifier(c) for c in ("id", "source", "mode", "status", "phase", "started_at", "finished_at", "error", *COUNTS)
)


def _run(row: tuple[Any, ...]) -> dict[str, Any]:
    (run_id, source, mode, status, phase, started, finished, error, *counts) = row
    seconds = (finished - started).total_seconds() if finished else None
    return {
        "id": str(run_id),
        "source": source,
        "mode": mode,
        "state": status,
        "phase": phase,
        "startedAt": _iso(started),
        "finishedAt": _iso(finished),
        "seconds": round(seconds, 3) if seconds else seconds,
        "error": error,
        "counts": {_camel(c): n for c, n in zip(COUNTS, counts, strict=True)},
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def list_runs(cur: Cursor, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Newest first; limit + 1 rows so the caller knows whether there is more."""
    cur.execute(
        sql.SQL("SELECT {} FROM etl_runs WHERE (%s::bigint IS NULL OR id < %s) ORDER BY id DESC LIMIT %s").format(_RUN_COLUMNS),
        (before_id, before_id, limit + 1),
    )
    return [_run(r) for r in cur.fetchall()]


def get_run(cur: Cursor, run_id: int) -> dict[str, Any] | None:
    cur.execute(sql.SQL("SELECT {} FROM etl_runs WHERE id = %s").format(_RUN_COLUMNS), (run_id,))
    row = cur.fetchone()
    return _run(row) if row else None


def run_files(cur: Cursor, run_id: int, after_seq: int | None, limit: int) -> list[dict[str, Any]]:
    cur.execute(
        "SELECT seq, outcome, file_id, path, reason FROM etl_run_files"
        " WHERE run_id = %s AND (%s::bigint IS NULL OR seq > %s) ORDER BY seq LIMIT %s",
        (run_id, after_seq, after_seq, limit + 1),
    )
    return [{"seq": s, "outcome": o, "fileId": f, "path": p, "reason": r} for s, o, f, p, r in cur.fetchall()]
