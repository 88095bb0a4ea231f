"""Schema, migrations and the database connection, against the real embedded PostgreSQL."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import psycopg2
import pytest

from data import db as data_db
from data import schema
from domain.errors import Unavailable
from local.runtime import LambdaRuntime
from logic import library
from tests.http_stub import CfnResponses

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_are_recorded_and_safe_to_run_twice(stack) -> None:
    conn = psycopg2.connect(stack.database_url)
    try:
        assert schema.apply_all(conn) == []  # the stack already applied them
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM schema_migrations ORDER BY version")
            assert [r[0] for r in cur.fetchall()] == [p.stem for p in schema.pending_files()]
    finally:
        conn.close()


def test_concurrent_migration_runs_wait_for_each_other(stack) -> None:
    results: list[list[str]] = []

    def run() -> None:
        conn = psycopg2.connect(stack.database_url)
        try:
            results.append(schema.apply_all(conn))
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[], [], [], []]


@pytest.mark.usefixtures("library")
def test_normalised_duplicates_with_nulls_are_impossible(db) -> None:
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre) VALUES ('No  Rating', 'Drama')")
        for title, genre in [("no rating", "DRAMA"), ("  No Rating ", " drama")]:
            with pytest.raises(psycopg2.errors.UniqueViolation):
                cur.execute("INSERT INTO movies (title, genre) VALUES (%s, %s)", (title, genre))
        cur.execute("INSERT INTO movies (title, genre, year) VALUES ('No Rating', 'Drama', 2001)")  # another movie
        cur.execute("SELECT count(*) FROM movies WHERE title ILIKE 'no%rating'")
        assert cur.fetchone()[0] == 2
        cur.execute("SELECT total FROM movie_stats")
        assert cur.fetchone()[0] == 34


def test_every_query_has_its_index(db) -> None:
    with db.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'movies'")
        defs = dict(cur.fetchall())
    assert "gin (title gin_trgm_ops)" in defs["movies_title_trgm"]
    assert "NULLS NOT DISTINCT" in defs["movies_identity_key"] and "UNIQUE" in defs["movies_identity_key"]
    # Migration 0060: the contains tier of relevance search walks it index-only.
    assert "COALESCE(rating" in defs["movies_rank"] and defs["movies_rank"].endswith(
        "title, id) INCLUDE (rating, title_folded, genre, year, created_at)"
    )
    assert "lower((genre)::text), rating" in defs["movies_genre_rating"]
    assert "movies_year" not in defs  # the year-leading orders of migration 0030 replace it
    assert defs["movies_year_title"].endswith("btree (year, title, id) INCLUDE (genre, rating, created_at)")
    for way in ("down", "up"):  # migration 0050: a year's page walk is index-only
        assert defs[f"movies_year_{way}"].endswith("title, id) INCLUDE (year, genre, rating, created_at)")
    assert "gin (title_folded gin_trgm_ops)" in defs["movies_search_trgm"]
    assert defs["movies_title_order"].endswith("btree (title, id)")


@pytest.mark.usefixtures("library")
def test_connection_is_reused_and_replaced_after_it_dies(db) -> None:
    data_db.reset()
    assert library.dashboard()["totalMovies"] == 32
    with db.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'movie-library'")
    assert library.dashboard()["totalMovies"] == 32  # reconnected transparently


def test_reads_run_without_a_transaction_and_writes_keep_theirs(db) -> None:
    """#27: db.read sends its statements alone (no BEGIN/COMMIT round trips); db.run on the same connection
    afterwards is a transaction again, so a failing write still leaves nothing behind."""

    def two_statements(cur) -> tuple[bool, bool]:
        cur.execute("SELECT pg_sleep(0.01), now() = statement_timestamp()")
        first = cur.fetchone()[1]
        cur.execute("SELECT now() = statement_timestamp()")  # in a transaction, now() is its start
        return first, cur.fetchone()[0]

    data_db.reset()
    assert data_db.read(two_statements) == (True, True)
    assert data_db.run(two_statements) == (False, False)  # BEGIN came first
    assert data_db.read(two_statements) == (True, True)

    def half_written(cur) -> None:
        cur.execute("CREATE TABLE IF NOT EXISTS read_then_write (n int)")
        cur.execute("INSERT INTO read_then_write VALUES (1)")
        raise RuntimeError("the work failed half way")

    with pytest.raises(RuntimeError):
        data_db.run(half_written)
    with db.cursor() as cur:
        cur.execute("SELECT to_regclass('read_then_write')")
        assert cur.fetchone()[0] is None  # rolled back: not even the table exists


def test_database_down_is_503_not_a_stack_trace(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    data_db.reset()
    try:
        with pytest.raises(Unavailable):
            library.dashboard()
        event = json.loads((ROOT / "events" / "read_api_dashboard.json").read_text())
        result = LambdaRuntime().invoke("ReadApiFunction", event)
        assert result["statusCode"] == 503
        assert json.loads(result["body"])["error"]["code"] == "UNAVAILABLE"
        assert "Traceback" not in result["body"] and "127.0.0.1" not in result["body"]
    finally:
        data_db.reset()


def test_migration_custom_resource_reports_success_then_failure(stack, cfn_response_url, monkeypatch, tmp_path) -> None:
    event = json.loads((ROOT / "events" / "migrate_create.json").read_text()) | {"ResponseURL": cfn_response_url}
    runtime = LambdaRuntime()
    assert runtime.invoke("MigrateFunction", event)["Status"] == "SUCCESS"
    assert CfnResponses.bodies[-1]["Status"] == "SUCCESS"
    assert CfnResponses.bodies[-1]["PhysicalResourceId"] == "movie-library-schema"

    # The package's migrations plus a broken one, in a folder of the test's own (never the source tree).
    for path in schema.pending_files():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "9999_broken_for_test.sql").write_text("CREATE TABLE movies (id int);")
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", tmp_path)
    assert runtime.invoke("MigrateFunction", event | {"RequestType": "Update"})["Status"] == "FAILED"
    assert CfnResponses.bodies[-1]["Status"] == "FAILED"
    assert "already exists" in CfnResponses.bodies[-1]["Reason"]
    conn = psycopg2.connect(stack.database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM schema_migrations WHERE version = '9999_broken_for_test'")
        assert cur.fetchone()[0] == 0  # nothing half-written
    conn.close()

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert runtime.invoke("MigrateFunction", event)["Status"] == "FAILED"
    assert runtime.invoke("MigrateFunction", event | {"RequestType": "Delete"})["Status"] == "SUCCESS"
