"""Apply the ordered SQL files in migrations/ once each, recording them in schema_migrations."""

from __future__ import annotations

from pathlib import Path

import psycopg2.extensions

from shared import repository

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def pending_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def apply_all(conn: psycopg2.extensions.connection) -> list[str]:
    """Apply what has not run yet; safe to call twice or concurrently. Returns the versions applied."""
    applied: list[str] = []
    with conn, conn.cursor() as cur:
        repository.lock_migrations(cur)  # held until commit: concurrent runners wait, then see our rows
        repository.ensure_migrations_table(cur)
        done = repository.applied_migrations(cur)
        for path in pending_files():
            version = path.stem
            if version in done:
                continue
            cur.execute(path.read_text())
            repository.record_migration(cur, version)
            applied.append(version)
    return applied
