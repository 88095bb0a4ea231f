"""Issue 15: the dashboard reads small aggregate tables kept by statement triggers, and they never drift."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import psycopg2
import pytest

from data import movie_reads, movie_writes, schema
from etl_task.pipeline import Run
from etl_task.sources import FolderSource
from logic import library
from tests.aggregates import assert_consistent
from tests.conftest import reset_library

SEED_FIELDS = ["totalMovies", "averageRating", "topGenres", "moviesByYear"]


@pytest.mark.usefixtures("library")
def test_fixture_dashboard_keeps_the_seed_fields_and_adds_histograms(stack) -> None:
    body = library.dashboard()
    assert list(body)[:4] == SEED_FIELDS
    assert body["totalMovies"] == 32
    assert body["averageRating"] == 7.4
    assert body["topGenres"][:2] == [{"genre": "Drama", "count": 6}, {"genre": "Sci-Fi", "count": 4}]
    assert len(body["topGenres"]) == 10
    assert body["moviesByYear"] == [
        {"year": y, "count": n} for y, n in [(2022, 5), (2021, 7), (2020, 6), (2019, 5), (2018, 4), (2017, 3), (2016, 2)]
    ]
    assert body["yearHistogram"] == [
        {"year": y, "count": n} for y, n in [(2016, 2), (2017, 3), (2018, 4), (2019, 5), (2020, 6), (2021, 7), (2022, 5)]
    ]
    histogram = body["ratingHistogram"]
    assert [b["rating"] for b in histogram] == [*range(11), None]
    assert sum(b["count"] for b in histogram) == 32
    assert histogram[-1]["count"] == body["unratedMovies"] == 0


@pytest.mark.usefixtures("library")
def test_seed_fields_equal_the_seeds_full_scan_queries(stack, db) -> None:
    """The same numbers the pre-aggregate dashboard computed by scanning movies, in the same order."""
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) VALUES"
            " ('Odd One', 'drama', NULL, NULL), ('Zed', 'Zydeco', 9.9, 1999), ('Aa', 'Anime', 0.0, 2100)"
        )
        cur.execute("SELECT round(avg(rating), 1) FROM movies")
        average = float(cur.fetchone()[0])
        cur.execute("SELECT min(genre), count(*) AS n FROM movies GROUP BY lower(genre) ORDER BY n DESC, lower(genre) LIMIT 10")
        genres = [{"genre": g, "count": n} for g, n in cur.fetchall()]
        cur.execute("SELECT year, count(*) FROM movies WHERE year IS NOT NULL GROUP BY year ORDER BY year DESC LIMIT 20")
        years = [{"year": y, "count": n} for y, n in cur.fetchall()]
    body = library.dashboard()
    assert [body[k] for k in SEED_FIELDS] == [35, average, genres, years]
    assert body["unratedMovies"] == 1
    assert body["ratingHistogram"][0] == {"rating": 0, "count": 1}
    assert body["ratingHistogram"][9]["count"] >= 1
    assert body["yearHistogram"][-1] == {"year": 2100, "count": 1}
    assert_consistent(stack.database_url)


def test_dashboard_reads_no_movie_rows(stack, db) -> None:
    """With movies locked against every reader, the dashboard still answers: it never touches the table."""
    reset_library(stack, None)
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre, rating, year) VALUES ('Only', 'Drama', 5.5, 2001)")
    locker = psycopg2.connect(stack.database_url)
    reader = psycopg2.connect(stack.database_url)
    try:
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE movies IN ACCESS EXCLUSIVE MODE")
            with reader, reader.cursor() as rcur:
                rcur.execute("SET LOCAL lock_timeout = '2s'")
                stats = movie_reads.dashboard_stats(rcur, 10, 20)
                assert stats["total"] == 1 and stats["average"] == 5.5
                with pytest.raises(psycopg2.errors.LockNotAvailable):  # the check itself can fail
                    rcur.execute("SELECT count(*) FROM movies")
        locker.rollback()
    finally:
        locker.close()
        reader.close()


def _write(folder: Path, name: str, content: object) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def test_messy_library_etl_keeps_aggregates_exact(stack, tmp_path: Path) -> None:
    reset_library(stack, None)
    _write(tmp_path, "a.json", {"title": "Same", "genre": "Drama", "rating": 7.0, "year": 2001})
    _write(tmp_path, "b.json", {"title": " same ", "genre": "  DRAMA ", "rating": "7", "year": "2001"})  # duplicate
    _write(
        tmp_path,
        "c.json",
        [
            {"title": "Arr 1", "genre": "drama", "rating": None, "year": None},
            {"title": "Arr 2", "genre": "Sci  Fi", "rating": 10, "year": 2100},
            {"title": "Arr 3", "genre": "sci fi", "rating": 0, "year": 1900},
        ],
    )
    _write(tmp_path, "d/e.json", {"title": "Extra", "genre": "Comedy", "rating": 4.44, "year": 1999, "x": 1})
    _write(tmp_path, "d/bad.json", "{not json")
    _write(tmp_path, "d/worse.json", {"title": "", "genre": "Drama"})
    conn = psycopg2.connect(stack.database_url)
    try:
        Run(conn, FolderSource(tmp_path), full=True).execute()
    finally:
        conn.close()
    truth = assert_consistent(stack.database_url)
    assert truth["totals"][0] >= 4
    body = library.dashboard()
    assert body["totalMovies"] == truth["totals"][0]
    assert {g["genre"].lower() for g in body["topGenres"]} >= {"drama"}


def test_updates_deletes_and_truncate_keep_aggregates_exact(stack, db) -> None:
    reset_library(stack, None)
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) SELECT 'T' || i, CASE WHEN i % 3 = 0 THEN 'drama'"
            " ELSE 'Drama' END, (i % 101) / 10.0, 1990 + i % 7 FROM generate_series(1, 300) i"
        )
        assert_consistent(stack.database_url)
        cur.execute("UPDATE movies SET genre = 'Horror', rating = NULL WHERE year = 1991")
        assert_consistent(stack.database_url)
        cur.execute("DELETE FROM movies WHERE genre = 'Drama'")  # only 'drama' spellings remain
        truth = assert_consistent(stack.database_url)
        assert [g[:2] for g in truth["genres"]] == [("drama", "drama"), ("horror", "Horror")]
        cur.execute("DELETE FROM movies WHERE year = 1992")
        assert_consistent(stack.database_url)
        cur.execute("TRUNCATE movies")
        assert assert_consistent(stack.database_url)["totals"][0] == 0
    assert library.dashboard()["ratingHistogram"][-1] == {"rating": None, "count": 0}


def test_concurrent_adds_and_etl_batches_neither_deadlock_nor_drift(stack, tmp_path: Path) -> None:
    reset_library(stack, None)
    for i in range(3000):
        _write(
            tmp_path,
            f"f{i // 500}/m{i}.json",
            {
                "title": f"Etl {i}",
                "genre": ["Drama", "Comedy", "Sci-Fi", "Horror"][i % 4],
                "rating": (i % 100) / 10,
                "year": 1950 + i % 70,
            },
        )
    errors: list[BaseException] = []

    def etl() -> None:
        conn = psycopg2.connect(stack.database_url)
        try:
            Run(conn, FolderSource(tmp_path), full=True, batch_size=250).execute()
        except BaseException as exc:  # reported below; a deadlock surfaces here
            errors.append(exc)
        finally:
            conn.close()

    def adds(worker: int) -> None:
        conn = psycopg2.connect(stack.database_url)
        try:
            for i in range(150):
                with conn, conn.cursor() as cur:
                    genre = ["horror", "Sci-Fi", "Western", "drama"][(i + worker) % 4]
                    movie_writes.insert_movie(
                        cur,
                        {"title": f"Add {worker}-{i}", "genre": genre, "rating": (i % 11) or None, "year": 1960 + i % 50},
                        str(uuid.uuid4()),
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=etl)] + [threading.Thread(target=adds, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    truth = assert_consistent(stack.database_url)
    assert truth["totals"][0] == 3000 + 4 * 150


def test_migration_backfills_aggregates_from_existing_rows(stack) -> None:
    admin = psycopg2.connect(stack.database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS backfill_check")
        cur.execute("CREATE DATABASE backfill_check")
    dsn = psycopg2.extensions.make_dsn(stack.database_url, dbname="backfill_check")
    conn = psycopg2.connect(dsn)
    try:
        files = schema.pending_files()
        aggregates = next(i for i, p in enumerate(files) if p.stem == "0006_dashboard_aggregates")
        with conn, conn.cursor() as cur:
            for path in files[:aggregates]:
                cur.execute(path.read_text())
            cur.execute(
                "INSERT INTO movies (title, genre, rating, year) SELECT 'B' || i, 'G' || i % 5, i % 10, 2000 + i % 3"
                " FROM generate_series(1, 50) i"
            )
            cur.execute("INSERT INTO movies (title, genre) VALUES ('Unrated', 'g1')")
            cur.execute(files[aggregates].read_text())
        assert_consistent(dsn)
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE backfill_check")
        admin.close()
