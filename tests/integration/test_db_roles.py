"""Issue 24 (security review 8 and 17): the ETL logs in as movie_etl and the read API as movie_reader, each with
exactly the rights it needs, on real PostgreSQL (migration 0040; local trust auth stands in for the IAM token)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import psycopg2.extensions
import pytest

from local.stack import etl_login
from tests.conftest import reset_library

ROOT = Path(__file__).resolve().parents[2]


def _login(stack, user: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(stack.database_url, user=user)
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture()
def etl_conn(stack) -> Iterator[psycopg2.extensions.connection]:
    yield from _login(stack, "movie_etl")


@pytest.fixture()
def reader_conn(stack) -> Iterator[psycopg2.extensions.connection]:
    yield from _login(stack, "movie_reader")


def test_24_8_the_etl_loads_a_folder_as_movie_etl(stack, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"title": "Role Check Movie", "genre": "Drama", "rating": 7.5, "year": 2001}')
    url = etl_login(stack.database_url)
    assert psycopg2.extensions.parse_dsn(url)["user"] == "movie_etl"
    reset_library(stack, None)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "etl_task", "--folder", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")][-1]
    assert summary["event"] == "etl_summary" and summary["movies_new"] == 1, summary
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT total FROM movie_stats")  # the aggregate triggers ran as movie_etl
        assert cur.fetchone()[0] >= 1
        cur.execute("SELECT count(*) FROM etl_runs WHERE status = 'succeeded'")
        assert cur.fetchone()[0] == 1
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE not_allowed (id int)",
        "ALTER TABLE movies ADD COLUMN extra int",
        "DROP TABLE etl_runs",
        "TRUNCATE movies",
        "INSERT INTO schema_migrations (version) VALUES ('9999_evil')",
        "DELETE FROM movie_suppressions",
        "SELECT * FROM movie_audit",
        "CREATE ROLE another",
    ],
)
def test_24_8_movie_etl_has_no_ddl_and_no_other_tables(etl_conn, statement: str) -> None:
    with etl_conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)


def test_24_17_the_read_api_role_reads_everything_it_serves(reader_conn) -> None:
    with reader_conn.cursor() as cur:
        for table in (
            "movies",
            "movie_stats",
            "genre_stats",
            "year_stats",
            "rating_stats",
            "genre_rating_counts",
            "genre_year_rating_counts",
            "etl_runs",
            "etl_files",
            "movie_audit",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO movies (title, genre, rating, year) VALUES ('Reader Write', 'Test', 5.0, 2020)",
        "UPDATE movies SET rating = 1",
        "DELETE FROM movies",
        "DELETE FROM etl_runs",
        "SELECT * FROM schema_migrations",
        "CREATE TABLE not_allowed (id int)",
    ],
)
def test_24_17_movie_reader_cannot_write(reader_conn, statement: str) -> None:
    with reader_conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)
