"""ETL run history, the one-run-at-a-time lease, and each source's sync state: every statement, parameterised."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg2.extras import execute_values

from shared.repository import Cursor

COUNTS = ("files_seen", "files_downloaded", "movies_new", "movies_present", "quarantined", "failed", "deleted_seen")
_RUN_COLUMNS = "id, source, mode, status, phase, started_at, finished_at, error, " + ", ".join(COUNTS)
LEASE = "etl"


# --- the lease ----------------------------------------------------------------------------

def acquire_lease(cur: Cursor, holder: str, source: str, seconds: float) -> dict | None:
    """Take the lease if it is free or expired; None when someone else holds it. Runs a holder left
    behind (killed before it could say so) are marked interrupted."""
    cur.execute(
        "INSERT INTO etl_lease AS l (name, holder, source, expires_at)"
        " VALUES (%s, %s, %s, now() + make_interval(secs => %s))"
        " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, source = EXCLUDED.source, run_id = NULL,"
        "   started_at = now(), expires_at = EXCLUDED.expires_at"
        " WHERE l.expires_at < now() OR l.holder = EXCLUDED.holder"
        " RETURNING holder",
        (LEASE, holder, source, seconds),
    )
    if cur.fetchone() is None:
        return None
    cur.execute("UPDATE etl_runs SET status = 'interrupted', finished_at = now(),"
                " error = 'stopped without finishing (its lease expired)' WHERE status = 'running'")
    return {"holder": holder}


def lease_holder(cur: Cursor) -> dict | None:
    cur.execute("SELECT holder, run_id, source, started_at, expires_at FROM etl_lease WHERE name = %s", (LEASE,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip(("holder", "run_id", "source", "started_at", "expires_at"), row, strict=True))


def renew_lease(cur: Cursor, holder: str, seconds: float, run_id: int | None = None) -> bool:
    cur.execute(
        "UPDATE etl_lease SET expires_at = now() + make_interval(secs => %s), run_id = coalesce(%s, run_id)"
        " WHERE name = %s AND holder = %s",
        (seconds, run_id, LEASE, holder),
    )
    return cur.rowcount == 1


def release_lease(cur: Cursor, holder: str) -> None:
    cur.execute("DELETE FROM etl_lease WHERE name = %s AND holder = %s", (LEASE, holder))


# --- runs ---------------------------------------------------------------------------------

def start_run(cur: Cursor, source: str, mode: str) -> int:
    cur.execute("INSERT INTO etl_runs (source, mode, phase) VALUES (%s, %s, 'starting') RETURNING id", (source, mode))
    return int(cur.fetchone()[0])


def set_mode(cur: Cursor, run_id: int, mode: str) -> None:
    cur.execute("UPDATE etl_runs SET mode = %s WHERE id = %s", (mode, run_id))


def update_progress(cur: Cursor, run_id: int, phase: str, counts: dict[str, int]) -> None:
    cur.execute(
        "UPDATE etl_runs SET phase = %s, " + ", ".join(f"{c} = %s" for c in COUNTS) + " WHERE id = %s",
        (phase, *(int(counts.get(c, 0)) for c in COUNTS), run_id),
    )


def finish_run(cur: Cursor, run_id: int, status: str, counts: dict[str, int], summary: dict[str, Any],
               error: str | None = None) -> None:
    from psycopg2.extras import Json

    cur.execute(
        "UPDATE etl_runs SET status = %s, phase = 'finished', finished_at = now(), error = %s, summary = %s, "
        + ", ".join(f"{c} = %s" for c in COUNTS) + " WHERE id = %s",
        (status, error, Json(summary), *(int(counts.get(c, 0)) for c in COUNTS), run_id),
    )


def record_run_files(cur: Cursor, run_id: int, first_seq: int, entries: list[tuple[str, str, str, str]]) -> None:
    """entries: (outcome, file_id, path, reason), numbered from first_seq."""
    execute_values(
        cur, "INSERT INTO etl_run_files (run_id, seq, outcome, file_id, path, reason) VALUES %s"
             " ON CONFLICT DO NOTHING",
        [(run_id, first_seq + i, *entry) for i, entry in enumerate(entries)], page_size=1000,
    )


def _run(row: tuple) -> dict[str, Any]:
    (run_id, source, mode, status, phase, started, finished, error, *counts) = row
    seconds = (finished - started).total_seconds() if finished else None
    return {
        "id": str(run_id), "source": source, "mode": mode, "state": status, "phase": phase,
        "startedAt": _iso(started), "finishedAt": _iso(finished), "seconds": round(seconds, 3) if seconds else seconds,
        "error": error, "counts": {_camel(c): n for c, n in zip(COUNTS, counts, strict=True)},
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def list_runs(cur: Cursor, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Newest first; limit + 1 rows so the caller knows whether there is more."""
    cur.execute(
        f"SELECT {_RUN_COLUMNS} FROM etl_runs WHERE (%s::bigint IS NULL OR id < %s) ORDER BY id DESC LIMIT %s",
        (before_id, before_id, limit + 1),
    )
    return [_run(r) for r in cur.fetchall()]


def get_run(cur: Cursor, run_id: int) -> dict[str, Any] | None:
    cur.execute(f"SELECT {_RUN_COLUMNS} FROM etl_runs WHERE id = %s", (run_id,))
    row = cur.fetchone()
    return _run(row) if row else None


def run_files(cur: Cursor, run_id: int, after_seq: int | None, limit: int) -> list[dict[str, Any]]:
    cur.execute(
        "SELECT seq, outcome, file_id, path, reason FROM etl_run_files"
        " WHERE run_id = %s AND (%s::bigint IS NULL OR seq > %s) ORDER BY seq LIMIT %s",
        (run_id, after_seq, after_seq, limit + 1),
    )
    return [{"seq": s, "outcome": o, "fileId": f, "path": p, "reason": r} for s, o, f, p, r in cur.fetchall()]


# --- per-source sync state ----------------------------------------------------------------

def live_files(cur: Cursor, source: str) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """(checkpointed (file id, version) pairs, ids last seen present, ids last seen gone)."""
    cur.execute("SELECT file_id, modified, gone_run_id IS NOT NULL FROM etl_files WHERE source = %s", (source,))
    versions: set[tuple[str, str]] = set()
    present: set[str] = set()
    gone: set[str] = set()
    for file_id, version, is_gone in cur.fetchall():
        versions.add((file_id, version))
        (gone if is_gone else present).add(file_id)
    return versions, present - gone, gone


def mark_gone(cur: Cursor, source: str, run_id: int, file_ids: set[str]) -> None:
    cur.execute("UPDATE etl_files SET gone_run_id = %s WHERE source = %s AND file_id = ANY(%s)",
                (run_id, source, sorted(file_ids)))


def mark_back(cur: Cursor, source: str, file_ids: set[str]) -> None:
    cur.execute("UPDATE etl_files SET gone_run_id = NULL WHERE source = %s AND file_id = ANY(%s)",
                (source, sorted(file_ids)))


def sync_state(cur: Cursor, source: str) -> tuple[str | None, int]:
    cur.execute("SELECT changes_token, runs_since_walk FROM etl_sync_state WHERE source = %s", (source,))
    row = cur.fetchone()
    return (row[0], int(row[1])) if row else (None, 0)


def save_sync_state(cur: Cursor, source: str, token: str | None, runs_since_walk: int) -> None:
    cur.execute(
        "INSERT INTO etl_sync_state (source, changes_token, runs_since_walk) VALUES (%s, %s, %s)"
        " ON CONFLICT (source) DO UPDATE SET changes_token = EXCLUDED.changes_token,"
        "   runs_since_walk = EXCLUDED.runs_since_walk, updated_at = now()",
        (source, token, runs_since_walk),
    )


def load_tree(cur: Cursor, source: str) -> tuple[dict[str, tuple[str | None, str]], dict[str, str]]:
    cur.execute("SELECT item_id, kind, parent_id, path FROM etl_tree WHERE source = %s", (source,))
    folders: dict[str, tuple[str | None, str]] = {}
    targets: dict[str, str] = {}
    for item_id, kind, parent_id, path in cur.fetchall():
        if kind == "folder":
            folders[item_id] = (parent_id, path)
        else:
            targets[item_id] = path
    return folders, targets


def save_tree(cur: Cursor, source: str, folders: dict[str, tuple[str | None, str]], targets: dict[str, str]) -> None:
    cur.execute("DELETE FROM etl_tree WHERE source = %s", (source,))
    rows = [(source, i, "folder", p, path) for i, (p, path) in folders.items()]
    rows += [(source, i, "target", None, path) for i, path in targets.items()]
    execute_values(cur, "INSERT INTO etl_tree (source, item_id, kind, parent_id, path) VALUES %s", rows,
                   page_size=1000)
