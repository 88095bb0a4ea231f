"""Apply the ordered SQL files in migrations/ once each, recording them in schema_migrations."""

from __future__ import annotations

from pathlib import Path

import psycopg2.extensions

from data.db import Cursor

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 7_264_001  # pg_advisory_xact_lock key for migrations


def pending_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or MIGRATIONS_DIR).glob("*.sql"))


def _applied(cur: Cursor) -> set[str]:
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))  # held until commit: runners queue
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ( version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    cur.execute("SELECT version FROM schema_migrations")
    return {r[0] for r in cur.fetchall()}


def apply_all(conn: psycopg2.extensions.connection, directory: Path | None = None) -> list[str]:
    """Apply what has not run yet; safe to call twice or concurrently. Returns the versions applied."""
    applied: list[str] = []
    with conn, conn.cursor() as cur:
        done = _applied(cur)
        for path in pending_files(directory):
            version = path.stem
            if version in done:
                continue
            cur.execute(path.read_text())
            cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied.append(version)
    return applied


def missing(conn: psycopg2.extensions.connection, directory: Path | None = None) -> list[str]:
    """The migrations this code knows that the database has not run: for logins that may not migrate (the ETL
    as movie_etl), which refuse to work on an older schema instead."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations")
        done = {r[0] for r in cur.fetchall()}
    return [path.stem for path in pending_files(directory) if path.stem not in done]
