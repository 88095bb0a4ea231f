"""A librarian's delete of a Drive movie holds (issue 22): the suppression names the file versions that
backed the movie, and no later sync (walk, changes or --full) brings it back until its file changes; the
run that skips it lists the file in its report."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg2
import pytest

from local import aws
from tests.conftest import reset_library
from tests.e2e.live import User
from tests.integration.test_drive_mirror import GENRE, _drive_library, _movies, _run


@pytest.fixture()
def librarian(stack) -> Iterator[User]:
    user = User(stack, aws.DEMO_USER, aws.DEMO_PASSWORD)  # the local stack's demo user is a librarian
    yield user
    user.close()


def _records(*movies: tuple[str, float]) -> bytes:
    return json.dumps([{"title": t, "genre": GENRE, "rating": r, "year": 2022} for t, r in movies]).encode()


def _movie_id(stack, title: str) -> str:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM movies WHERE title = %s AND genre = %s", (title, GENRE))
        (movie_id,) = cur.fetchone()
    conn.close()
    return str(movie_id)


def _version(stack, file_id: str) -> str:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM movie_sources WHERE file_id = %s LIMIT 1", (file_id,))
        (version,) = cur.fetchone()
    conn.close()
    return str(version)


@pytest.mark.parametrize("mode", ["walk", "changes", "full"])
def test_a_librarians_delete_of_a_drive_movie_holds_until_its_file_changes(stack, librarian, mode: str) -> None:
    reset_library(stack, None)
    lib, drive = _drive_library("trash")
    walk_every = 1 if mode == "walk" else 10
    try:
        for i in range(25):  # a library large enough that the last step's one replacement is within the limits
            lib.add(f"filler{i}.json", _records((f"Filler {i}", 6.0)))
        mixed = lib.add("mixed.json", _records(("Junk", 5.0), ("Good", 7.0)))
        also = lib.add("also.json", _records(("Junk", 5.0)))  # a second file backs the same movie
        first = _run(stack, lib.source(), walk_every=walk_every)
        assert first.files_loaded == 27 and first.failed == 0
        versions = {mixed: _version(stack, mixed), also: _version(stack, also)}

        junk = _movie_id(stack, "Junk")
        tag = librarian.http.get(f"/api/movies/{junk}").headers["ETag"]
        assert librarian.http.delete(f"/api/movies/{junk}", headers={"If-Match": tag}).status_code == 204
        with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT file_id, modified, path FROM movie_suppressions WHERE movie_id = %s ORDER BY 1", (junk,))
            suppressions = cur.fetchall()
        conn.close()
        assert sorted(suppressions) == sorted([(mixed, versions[mixed], "mixed.json"), (also, versions[also], "also.json")])

        lib.add("new.json", _records(("Newcomer", 6.0)))  # something for the changes feed to report
        again = _run(stack, lib.source(), walk_every=walk_every, full=mode == "full")
        assert again.mode == mode and again.failed == 0
        titles = [t for t, _r in _movies(stack)]
        assert "Junk" not in titles and "Good" in titles and "Newcomer" in titles
        if mode == "full":  # every file downloaded again: the suppressed ones skipped their record, and say so
            assert sorted(f["fileId"] for f in again.suppressed_files) == sorted([mixed, also])
            assert again.suppressed == 2
            with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
                cur.execute("SELECT summary FROM etl_runs WHERE id = %s", (again.run_id,))
                (summary,) = cur.fetchone()
            conn.close()
            assert sorted(f["path"] for f in summary["suppressed_files"]) == ["also.json", "mixed.json"]

        lib.edit(mixed, _records(("Junk", 5.0), ("Good", 7.5)))  # the file changes: it says Junk again
        changed = _run(stack, lib.source(), walk_every=walk_every, full=mode == "full")
        assert changed.failed == 0 and changed.held == 0
        rows = _movies(stack)
        assert ("Junk", 5) in [(t, r) for t, r in rows]
        assert [r for t, r in rows if t == "Good"] == [7.5]
    finally:
        drive.stop()


def test_a_drive_movie_names_and_links_its_file_and_a_patch_says_where_it_is(stack, librarian) -> None:
    reset_library(stack, None)
    lib, drive = _drive_library("trash")
    try:
        file_id = lib.add("where.json", _records(("Where Is It", 6.0)))
        assert _run(stack, lib.source()).files_loaded == 1
        movie = _movie_id(stack, "Where Is It")
        read = librarian.http.get(f"/api/movies/{movie}")
        assert read.status_code == 200, read.text
        expected = {
            "kind": "drive",
            "fileId": file_id,
            "path": "where.json",
            "url": f"https://drive.google.com/file/d/{file_id}/view",
        }
        assert read.json()["source"] == expected
        edit = librarian.http.patch(f"/api/movies/{movie}", json={"rating": 9}, headers={"If-Match": read.headers["ETag"]})
        assert edit.status_code == 409, edit.text
        error = edit.json()["error"]
        assert error["reason"] == "fromDrive" and error["source"] == expected
        assert "where.json" in error["message"]
    finally:
        drive.stop()
