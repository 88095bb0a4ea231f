"""Read use cases of the ETL run history: the runs, newest first, and one run with its report.

Who sees what (DESIGN §3 Roles; issue 24, review 3): everyone sees a run's state, counts and a plain
message; librarians also see its details (the source: Drive folder id or local path, and the error the
run recorded) and its file report (paths, file ids, quarantine reasons). Recorded error text is shown
only sanitized: one line, no traceback, bounded (the full text stays in the task's log).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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


MAX_ERROR_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def sanitized(text: str | None) -> str | None:
    """Recorded error text as it may be shown: its first line (a traceback's exception line, not its
    frames), control characters and runs of spaces collapsed, at most MAX_ERROR_CHARS characters."""
    if not text or not text.strip():
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    if lines[0].startswith("Traceback"):  # the frames are indented; the exception's line is not
        lines = [line for line in lines[1:] if not line[:1].isspace()] or ["An error (see the task's log)"]
    line = lines[0]
    line = " ".join(_CONTROL.sub(" ", line).split())
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


def summary_message(run: Mapping[str, Any]) -> str | None:
    """What went wrong, for everyone: from the run's state and counts, never from recorded error text."""
    state, failed = run["state"], int(run["counts"].get("failed") or 0)
    if state == "failed" and failed:
        return f"{failed} file(s) could not be downloaded; the next run tries them again."
    if state == "failed":
        return "The sync stopped on an error; a librarian can see the details."
    if state == "held":
        return "This sync would have removed more movies than allowed, so it removed none; a librarian can review it."
    if state == "interrupted":
        return "The sync was interrupted; the next run carries on."
    return None


def shown(run: Mapping[str, Any], librarian: bool) -> dict[str, Any]:
    """A run as the caller may see it: `details` (source, sanitized error) only for librarians."""
    out = {k: run[k] for k in ("id", "mode", "state", "phase", "startedAt", "finishedAt", "seconds", "counts")}
    out["error"] = summary_message(run)
    if librarian:
        out["details"] = {"source": run["source"], "error": sanitized(run["error"])}
    return out


def runs(limit: int = 20, cursor: str | None = None, *, librarian: bool = False) -> dict[str, Any]:
    before = _position(cursor, "etlRuns")
    rows = db.run(lambda cur: etl_runs.list_runs(cur, before, limit))
    page, pagination = _page(rows, limit, "etlRuns", "id")
    return {"runs": [shown(r, librarian) for r in page], "pagination": pagination}


def run(id: str, limit: int = 100, cursor: str | None = None, *, librarian: bool = False) -> dict[str, Any]:
    """The run and, for librarians, its report: files quarantined (with the reason) and files that could
    not be fetched. Others get the run alone (its counts say how many files were not loaded)."""
    if not librarian:
        found_alone = db.run(lambda cur: etl_runs.get_run(cur, int(id)) if int(id) <= _MAX_ID else None)
        if found_alone is None:
            raise NotFound(f"There is no ETL run {id}.")
        return {"run": shown(found_alone, False)}
    after = _position(cursor, f"etlRun{id}")

    def work(cur: db.Cursor) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        found = etl_runs.get_run(cur, int(id)) if int(id) <= _MAX_ID else None
        return found, etl_runs.run_files(cur, int(id), after, limit) if found else []

    found, files = db.run(work)
    if found is None:
        raise NotFound(f"There is no ETL run {id}.")
    page, pagination = _page(files, limit, f"etlRun{id}", "seq")
    return {
        "run": shown(found, True),
        "files": [{k: f[k] for k in ("outcome", "fileId", "path", "reason")} for f in page],
        "pagination": pagination,
    }
