"""The loader on the fixture library and on libraries with NULL ratings and years."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2

from etl_task.pipeline import Run
from etl_task.sources import FolderSource
from tests.conftest import reset_library


def _count(stack) -> int:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM movies")
        n = cur.fetchone()[0]
    conn.close()
    return n


def test_fixture_loads_32_then_none(stack, fixture_library: Path) -> None:
    first = reset_library(stack, fixture_library)
    assert first["files_seen"] == 32 and first["movies_new"] == 32 and first["quarantined"] == 0
    second = stack.load_library(fixture_library)
    assert second["movies_new"] == 0 and second["movies_already_present"] == 32
    assert _count(stack) == 32


def test_nulls_loaded_twice_make_no_duplicates(stack, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"title": "Untitled", "genre": "Drama"}))
    (tmp_path / "b.JSON").write_text(
        json.dumps(
            [{"title": " untitled ", "genre": "drama", "rating": None}, {"title": "Rated", "genre": "Drama", "rating": "7"}]
        )
    )
    (tmp_path / "notes.txt").write_text("not a movie")
    first = reset_library(stack, tmp_path)
    assert first["files_seen"] == 2 and first["movies_new"] == 2 and first["duplicates_in_run"] == 1
    assert stack.load_library(tmp_path)["movies_new"] == 0
    assert _count(stack) == 2


def test_small_batches_and_quarantine_report(stack, tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"m{i}.json").write_text(json.dumps({"title": f"Movie {i}", "genre": "G", "year": 2000 + i}))
    (tmp_path / "bad.json").write_text('{"title": "x", "genre": "G", "rating": 11}')
    reset_library(stack, None)
    report = tmp_path / "q.jsonl"
    conn = psycopg2.connect(stack.database_url)
    try:
        with report.open("w") as out:
            summary = Run(conn, FolderSource(tmp_path), batch_size=4, quarantine_out=out).execute()
    finally:
        conn.close()
    assert summary.movies_new == 25 and summary.quarantined == 1
    assert [json.loads(line) for line in report.read_text().splitlines()] == [
        {"fileId": "bad.json", "path": "bad.json", "reason": "'rating' 11 is outside 0..10"}
    ]
    assert _count(stack) == 25
