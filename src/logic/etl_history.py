"""Read use cases of the ETL run history: the runs, newest first, and one run with its report."""

from __future__ import annotations

from typing import Any

from data import db, etl_runs
from domain import cursors
from domain.errors import NotFound

_MAX_ID = 10**18


def _position(cursor: str | None, kind: str) -> int | None:
    if not cursor:
        return None
    text = cursors.decode(cursor, kind, keyed=False)["t"]
    if not text.isdigit() or int(text) > _MAX_ID:
        raise cursors.invalid()
    return int(text)


def _page(rows: list[dict[str, Any]], limit: int, kind: str, key: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursors.encode({"k": kind, "t": str(rows[-1][key])}) if has_more else None
    return rows, {"limit": limit, "nextCursor": next_cursor, "hasMore": has_more}


def runs(limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    before = _position(cursor, "etlRuns")
    rows = db.run(lambda cur: etl_runs.list_runs(cur, before, limit))
    page, pagination = _page(rows, limit, "etlRuns", "id")
    return {"runs": page, "pagination": pagination}


def run(id: str, limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
    """The run and its report: files quarantined (with the reason) and files that could not be fetched."""
    after = _position(cursor, f"etlRun{id}")

    def work(cur: db.Cursor) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        found = etl_runs.get_run(cur, int(id)) if int(id) <= _MAX_ID else None
        return found, etl_runs.run_files(cur, int(id), after, limit) if found else []

    found, files = db.run(work)
    if found is None:
        raise NotFound(f"There is no ETL run {id}.")
    page, pagination = _page(files, limit, f"etlRun{id}", "seq")
    return {
        "run": found,
        "files": [{k: f[k] for k in ("outcome", "fileId", "path", "reason")} for f in page],
        "pagination": pagination,
    }
