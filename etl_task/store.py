"""Every statement only the ETL task runs: staging and loading movies, file checkpoints, the
one-run-at-a-time lease, run records and each source's sync state. Kept out of the Lambda package."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from psycopg2 import sql
from psycopg2.extras import Json, execute_values

from data.db import Cursor, one_row
from data.etl_runs import COUNTS

LEASE = "etl"
_SET_COUNTS = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in COUNTS)


def acquire_lease(cur: Cursor, holder: str, source: str, seconds: float) -> dict[str, str] | None:
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
    cur.execute(
        "UPDATE etl_runs SET status = 'interrupted', finished_at = now(),"
        " error = 'stopped without finishing (its lease expired)' WHERE status = 'running'"
    )
    return {"holder": holder}


def lease_holder(cur: Cursor) -> dict[str, Any] | None:
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


def holds_lease(cur: Cursor, holder: str) -> bool:
    """Inside the caller's transaction: the lease is still this holder's (locked until it commits)."""
    cur.execute("SELECT 1 FROM etl_lease WHERE name = %s AND holder = %s FOR UPDATE", (LEASE, holder))
    return cur.fetchone() is not None


def release_lease(cur: Cursor, holder: str) -> None:
    cur.execute("DELETE FROM etl_lease WHERE name = %s AND holder = %s", (LEASE, holder))


def start_run(cur: Cursor, source: str, mode: str) -> int:
    cur.execute("INSERT INTO etl_runs (source, mode, phase) VALUES (%s, %s, 'starting') RETURNING id", (source, mode))
    return int(one_row(cur)[0])


def set_mode(cur: Cursor, run_id: int, mode: str) -> None:
    cur.execute("UPDATE etl_runs SET mode = %s WHERE id = %s", (mode, run_id))


def update_progress(cur: Cursor, run_id: int, phase: str, counts: dict[str, int]) -> None:
    cur.execute(
        sql.SQL("UPDATE etl_runs SET phase = %s, {} WHERE id = %s").format(_SET_COUNTS),
        (phase, *(int(counts.get(c, 0)) for c in COUNTS), run_id),
    )


def finish_run(
    cur: Cursor, run_id: int, status: str, counts: dict[str, int], summary: dict[str, Any], error: str | None = None
) -> None:
    cur.execute(
        sql.SQL(
            "UPDATE etl_runs SET status = %s, phase = 'finished', finished_at = now(), error = %s, summary = %s,"
            " {} WHERE id = %s AND status = 'running'"
        ).format(_SET_COUNTS),  # leave 'interrupted' (by a new holder) alone
        (status, error, Json(summary), *(int(counts.get(c, 0)) for c in COUNTS), run_id),
    )


def record_run_files(cur: Cursor, run_id: int, first_seq: int, entries: list[tuple[str, str, str, str]]) -> None:
    """entries: (outcome, file_id, path, reason), numbered from first_seq."""
    execute_values(
        cur,
        "INSERT INTO etl_run_files (run_id, seq, outcome, file_id, path, reason) VALUES %s ON CONFLICT DO NOTHING",
        [(run_id, first_seq + i, *entry) for i, entry in enumerate(entries)],
        page_size=1000,
    )


def live_files(cur: Cursor, source: str) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """(checkpointed (file id, version) pairs, ids last seen present, ids last seen gone)."""
    cur.execute("SELECT file_id, modified, gone_run_id IS NOT NULL, linked FROM etl_files WHERE source = %s", (source,))
    versions: set[tuple[str, str]] = set()
    present: set[str] = set()
    gone: set[str] = set()
    for file_id, version, is_gone, linked in cur.fetchall():
        if linked:  # an unlinked version is downloaded again, to link its rows
            versions.add((file_id, version))
        (gone if is_gone else present).add(file_id)
    return versions, present - gone, gone


def mark_gone(cur: Cursor, source: str, run_id: int, file_ids: set[str]) -> None:
    cur.execute(
        "UPDATE etl_files SET gone_run_id = %s WHERE source = %s AND file_id = ANY(%s)", (run_id, source, sorted(file_ids))
    )


def mark_back(cur: Cursor, source: str, file_ids: set[str]) -> None:
    cur.execute("UPDATE etl_files SET gone_run_id = NULL WHERE source = %s AND file_id = ANY(%s)", (source, sorted(file_ids)))


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


def feed_off(cur: Cursor, source: str) -> str | None:
    """Why the changes feed is off for this source (a walk found changes it never reported), or None."""
    cur.execute("SELECT feed_off FROM etl_sync_state WHERE source = %s", (source,))
    row = cur.fetchone()
    return str(row[0]) if row and row[0] else None


def set_feed_off(cur: Cursor, source: str, reason: str) -> None:
    cur.execute(
        "INSERT INTO etl_sync_state (source, feed_off) VALUES (%s, %s)"
        " ON CONFLICT (source) DO UPDATE SET feed_off = EXCLUDED.feed_off",
        (source, reason),
    )


def load_tree(
    cur: Cursor, source: str
) -> tuple[dict[str, tuple[str | None, str]], dict[str, str], dict[str, str], dict[str, str]]:
    """(folders, file-shortcut targets, folders reached through a shortcut, file shortcuts): see Tree."""
    cur.execute("SELECT item_id, kind, parent_id, path, via FROM etl_tree WHERE source = %s", (source,))
    folders: dict[str, tuple[str | None, str]] = {}
    targets: dict[str, str] = {}
    linked: dict[str, str] = {}
    shortcuts: dict[str, str] = {}
    for item_id, kind, parent_id, path, via in cur.fetchall():
        if kind in ("folder", "linked"):
            folders[item_id] = (parent_id, path)
            if kind == "linked":
                linked[item_id] = via
        elif kind == "target":
            targets[item_id] = path
        else:
            shortcuts[item_id] = via
    return folders, targets, linked, shortcuts


def save_tree(cur: Cursor, source: str, tree: Any) -> None:
    """tree: an etl_task.changes.Tree."""
    cur.execute("DELETE FROM etl_tree WHERE source = %s", (source,))
    rows = [
        (source, i, "linked" if i in tree.linked else "folder", p, path, tree.linked.get(i))
        for i, (p, path) in tree.folders.items()
    ]
    rows += [(source, i, "target", None, path, None) for i, path in tree.targets.items()]
    rows += [
        (source, i, "shortcut", None, "", target)
        for i, target in tree.shortcuts.items()
        if i not in tree.folders and i not in tree.targets
    ]
    execute_values(cur, "INSERT INTO etl_tree (source, item_id, kind, parent_id, path, via) VALUES %s", rows, page_size=1000)


# --- loading movies -----------------------------------------------------------------------


def stage_movies(cur: Cursor, rows: Iterable[tuple[str, str, Any, Any, str, str, bool]]) -> int:
    """COPY rows (already normalised: title, genre, rating, year, file id, version, repeat) into this
    session's staging table; returns how many. `repeat`: the run already had this record (counted once,
    still linked to this file)."""
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS movie_staging (title text, genre text, rating numeric(3,1), year int,"
        " file_id text, version text, repeat boolean) ON COMMIT DELETE ROWS"
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    count = 0
    for title, genre, rating, year, file_id, version, repeat in rows:
        writer.writerow(
            (
                title,
                genre,
                "" if rating is None else rating,
                "" if year is None else year,
                file_id,
                version,
                "t" if repeat else "f",
            )
        )
        count += 1
    buf.seek(0)
    cur.copy_expert("COPY movie_staging (title, genre, rating, year, file_id, version, repeat) FROM STDIN WITH (FORMAT csv)", buf)
    return count


def drop_suppressed(cur: Cursor, source: str) -> list[tuple[str, str]]:
    """Take out of staging every record a librarian removed from this file version (movie_suppressions,
    migration 0020; a suppression that names no file matches the record in any file): it stays out until
    its file changes. Returns the (file id, version) pairs that lost a record."""
    cur.execute(
        "DELETE FROM movie_staging s USING movie_suppressions x"
        " WHERE x.title_key = movie_key(s.title) AND x.genre_key = movie_key(s.genre)"
        "  AND x.rating IS NOT DISTINCT FROM s.rating AND x.year IS NOT DISTINCT FROM s.year"
        "  AND (x.file_id IS NULL OR (x.source = %s AND x.file_id = s.file_id AND x.modified = s.version))"
        " RETURNING s.file_id, s.version",
        (source,),
    )
    return sorted({(str(f), str(v)) for f, v in cur.fetchall()})


def insert_staged(cur: Cursor, source: str) -> tuple[int, int]:
    """Insert the staged rows that are new and link every staged row to its file's version (provenance,
    in the same transaction); returns (distinct rows staged the first time this run, rows inserted)."""
    cur.execute(
        "WITH batch AS ("
        "  SELECT DISTINCT ON (movie_key(title), movie_key(genre), rating, year) title, genre, rating, year"
        "  FROM movie_staging WHERE NOT repeat ORDER BY movie_key(title), movie_key(genre), rating, year),"
        " inserted AS ("
        "  INSERT INTO movies (title, genre, rating, year) SELECT title, genre, rating, year FROM batch"
        "  ON CONFLICT DO NOTHING RETURNING 1)"
        " SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM inserted)"
    )
    distinct, inserted = one_row(cur)
    # The unique index compares NULLs as equal (NULLS NOT DISTINCT), so the join does too.
    cur.execute(
        "INSERT INTO movie_sources (source, file_id, version, movie_id)"
        " SELECT DISTINCT %s, s.file_id, s.version, m.id FROM movie_staging s"
        " JOIN movies m ON movie_key(m.title) = movie_key(s.title) AND movie_key(m.genre) = movie_key(s.genre)"
        "  AND m.rating IS NOT DISTINCT FROM s.rating AND m.year IS NOT DISTINCT FROM s.year"
        " ON CONFLICT DO NOTHING",
        (source,),
    )
    return int(distinct), int(inserted)


def record_files(cur: Cursor, source: str, run_id: int, files: list[tuple[str, str, str, str, str | None]]) -> None:
    """files: (file_id, modified, path, outcome, reason). A version loaded again to link its rows (a file
    checkpointed before provenance existed) is marked linked."""
    execute_values(
        cur,
        "INSERT INTO etl_files (source, file_id, modified, path, outcome, reason, run_id)"
        " VALUES %s ON CONFLICT (source, file_id, modified) DO UPDATE SET linked = true"
        " WHERE NOT etl_files.linked",
        [(source, f, m, p, o, r, run_id) for f, m, p, o, r in files],
        page_size=1000,
    )


# --- mirroring: links that no longer hold, and the movies that go with them ------------------


def stale_links_walk(cur: Cursor, source: str, listed: dict[str, str], keep: set[str]) -> None:
    """After a walk: every link whose file was not listed at that version (gone, or changed) is stale,
    except the files in keep (their new version could not be fetched: the old rows stay for now).
    Fills the temporary table stale_links (file_id, version, movie_id, present)."""
    _stale_table(cur)
    cur.execute(
        "INSERT INTO stale_links SELECT l.file_id, l.version, l.movie_id, w.version IS NOT NULL"
        " FROM movie_sources l"
        " LEFT JOIN unnest(%s::text[], %s::text[]) AS w(file_id, version) ON w.file_id = l.file_id"
        " WHERE l.source = %s AND w.version IS DISTINCT FROM l.version AND NOT l.file_id = ANY(%s)",
        (list(listed), list(listed.values()), source, sorted(keep)),
    )


def stale_links_changes(cur: Cursor, source: str, changed: dict[str, str], gone: set[str]) -> None:
    """After a changes run: links of the files gone, and of the changed files at another version."""
    _stale_table(cur)
    cur.execute(
        "INSERT INTO stale_links SELECT l.file_id, l.version, l.movie_id, c.version IS NOT NULL"
        " FROM movie_sources l"
        " LEFT JOIN unnest(%s::text[], %s::text[]) AS c(file_id, version) ON c.file_id = l.file_id"
        " WHERE l.source = %s AND ((c.version IS NOT NULL AND c.version <> l.version)"
        "   OR (c.version IS NULL AND l.file_id = ANY(%s)))",
        (list(changed), list(changed.values()), source, sorted(gone)),
    )


def _stale_table(cur: Cursor) -> None:
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS stale_links (file_id text, version text, movie_id uuid, present boolean) ON COMMIT DROP"
    )
    cur.execute("TRUNCATE stale_links")


def orphans(cur: Cursor) -> tuple[int, int, int, int]:
    """What dropping the stale links would do: (rows removed because their files are gone, rows replaced
    because their files now say something else, rows that stay because a user added them, library size).
    A row is orphaned when every link it has is stale."""
    cur.execute(
        "WITH candidates AS ("
        "  SELECT movie_id, bool_and(present) AS present, count(*) AS stale FROM stale_links GROUP BY movie_id),"
        " orphaned AS ("
        "  SELECT c.present, m.request_id IS NOT NULL AS added FROM candidates c JOIN movies m ON m.id = c.movie_id"
        "  WHERE (SELECT count(*) FROM movie_sources l WHERE l.movie_id = c.movie_id) = c.stale)"
        " SELECT count(*) FILTER (WHERE NOT added AND NOT present), count(*) FILTER (WHERE NOT added AND present),"
        "  count(*) FILTER (WHERE added), (SELECT total FROM movie_stats) FROM orphaned"
    )
    removed, replaced, kept, total = one_row(cur)
    return int(removed), int(replaced), int(kept), int(total)


def drop_stale(cur: Cursor, source: str) -> None:
    """Drop the stale links, then the movies left with no link that no user added (the dashboard's
    aggregates follow through their delete triggers)."""
    cur.execute(
        "DELETE FROM movie_sources l USING stale_links s WHERE l.source = %s AND l.file_id = s.file_id"
        " AND l.version = s.version AND l.movie_id = s.movie_id",
        (source,),
    )
    cur.execute(
        "DELETE FROM movies m WHERE m.id IN (SELECT movie_id FROM stale_links) AND m.request_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM movie_sources l WHERE l.movie_id = m.id)"
    )


def mark_all_linked(cur: Cursor, source: str) -> None:
    cur.execute("UPDATE etl_files SET linked = true WHERE source = %s AND NOT linked", (source,))


def adopt_unbacked(cur: Cursor, source: str) -> int:
    """After the first walk with provenance: rows that no file links and no user added were loaded from
    files that are gone or say something else by now. Once no source has unlinked files left, they get a
    placeholder link (no file) that the next walk finds stale, so they go then (within the limits)."""
    cur.execute(
        "INSERT INTO movie_sources (source, file_id, version, movie_id)"
        " SELECT %s, '', '', m.id FROM movies m WHERE m.request_id IS NULL"
        "  AND NOT EXISTS (SELECT 1 FROM movie_sources l WHERE l.movie_id = m.id)"
        "  AND NOT EXISTS (SELECT 1 FROM etl_files f WHERE NOT f.linked)",
        (source,),
    )
    return int(cur.rowcount)


def unlinked_files(cur: Cursor, source: str) -> int:
    """Loaded file versions whose rows are not linked yet (checkpointed before provenance existed)."""
    cur.execute("SELECT count(*) FROM etl_files WHERE source = %s AND NOT linked", (source,))
    return int(one_row(cur)[0])
