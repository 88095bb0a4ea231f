"""ETL throughput: our pipeline beside the seed's method (one INSERT and one commit per row), and the Drive
source concurrent beside sequential, against the fake Drive with 50 ms per request."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import psycopg2

from bench import synthetic
from etl_task.drive import DriveSource, credentials_from_info
from etl_task.pipeline import Run
from etl_task.sources import FolderSource
from local.fake_drive import FakeDrive

FILES = int(os.environ.get("BENCH_ETL_FILES", "100000"))
DRIVE_FILES = int(os.environ.get("BENCH_DRIVE_FILES", "2000"))
SEQUENTIAL_DRIVE_FILES = int(os.environ.get("BENCH_DRIVE_SEQUENTIAL_FILES", "300"))


def write_library(folder: Path, count: int) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for i, (title, genre, rating, year) in enumerate(synthetic.rows(count, seed=11)):
        sub = folder / f"d{i % 100:02d}" / f"e{i // 100 % 10}"
        if i < 1000:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"m{i}.json").write_text(json.dumps({"title": title, "genre": genre, "rating": rating, "year": year}))


def seed_method(dsn: str, folder: Path) -> float:
    """What the seed's ETL did: per file, one INSERT … ON CONFLICT DO NOTHING and one commit."""
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS seed_etl_movies")
        cur.execute("CREATE TABLE seed_etl_movies (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                    " title varchar(255) NOT NULL, genre varchar(100) NOT NULL, rating numeric(3,1), year int,"
                    " UNIQUE (title, genre, rating, year))")
    started = time.perf_counter()
    files = 0
    for path in folder.rglob("*.json"):
        movie = json.loads(path.read_text())
        with conn.cursor() as cur:
            cur.execute("INSERT INTO seed_etl_movies (title, genre, rating, year) VALUES (%s, %s, %s, %s)"
                        " ON CONFLICT DO NOTHING", (movie["title"], movie["genre"], movie["rating"], movie["year"]))
        conn.commit()
        files += 1
    seconds = time.perf_counter() - started
    conn.close()
    return files / seconds


def ours(dsn: str, source, **kwargs) -> tuple[float, object]:
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("TRUNCATE movies, etl_files, etl_runs")
    try:
        summary = Run(conn, source, **kwargs).execute()
    finally:
        conn.close()
    return (summary.files_loaded + summary.quarantined) / summary.seconds, summary


def drive_library(count: int) -> tuple[FakeDrive, str]:
    drive = FakeDrive(latency=0.05, page_size_cap=1000)
    top = drive.add_folder("Bench", drive.root)
    folders = [drive.add_folder(f"F{i}", top) for i in range(20)]
    for i, (title, genre, rating, year) in enumerate(synthetic.rows(count, seed=13)):
        drive.add_file(f"m{i}.json", folders[i % 20],
                       json.dumps({"title": title, "genre": genre, "rating": rating, "year": year}).encode())
    return drive, top


def run(stack, report) -> None:
    folder = Path(stack.pg.data_dir).parent / "etl-library"
    started = time.perf_counter()
    write_library(folder, FILES)
    write_seconds = time.perf_counter() - started
    ours_rate, summary = ours(stack.database_url, FolderSource(folder))
    assert summary.movies_new == FILES, summary.report()
    seed_rate = seed_method(stack.database_url, folder)
    rows = [(f"local folder, {FILES:,} files", f"{ours_rate:,.0f}", f"{seed_rate:,.0f}", f"{ours_rate / seed_rate:.1f}x",
             ">= 20x the seed")]

    drive, top = drive_library(DRIVE_FILES)
    endpoint = drive.start()
    try:
        creds = credentials_from_info(drive.user_credentials(), drive.token_uri)
        concurrent_rate, summary = ours(stack.database_url, DriveSource(top, creds, api_endpoint=endpoint),
                                        concurrency=16)
        assert summary.files_loaded == DRIVE_FILES, summary.report()
        small, small_top = drive_library(SEQUENTIAL_DRIVE_FILES)
        small_endpoint = small.start()
        try:
            sequential_rate, _ = ours(stack.database_url, DriveSource(
                small_top, credentials_from_info(small.user_credentials(), small.token_uri),
                api_endpoint=small_endpoint), concurrency=1)
        finally:
            small.stop()
    finally:
        drive.stop()
    rows.append((f"fake Drive, 50 ms a request, {DRIVE_FILES:,} files (16 downloads at a time)",
                 f"{concurrent_rate:,.0f}", f"{sequential_rate:,.0f} (sequential walk, {SEQUENTIAL_DRIVE_FILES} files)",
                 f"{concurrent_rate / sequential_rate:.1f}x", ">= 160 files/s and >= 10x sequential"))
    report.table("ETL throughput (files/s)", rows, ("run", "ours", "comparison", "ratio", "goal"))
    report.note(f"(Writing the {FILES:,} test files took {write_seconds:.1f} s and is not counted.)\n")
    shutil.rmtree(folder, ignore_errors=True)
