"""The library mirrors its source (issue 21): an edited file replaces its rows, a deleted or trashed file
takes its rows with it unless another file or a user's add backs them, and a run that would remove too
much holds. The same in walk mode, changes mode and with the local folder source; the dashboard's kept
aggregates stay exact through every removal."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

from data.movie_writes import insert_movie
from etl_task.drive import DriveSource, credentials_from_info
from etl_task.loader import Summary
from etl_task.pipeline import Run
from etl_task.sources import FolderSource, Source
from local.fake_drive import FakeDrive
from tests.aggregates import assert_consistent
from tests.conftest import reset_library

GENRE = "Mirror"


def _record(title: str, rating: float = 6.0) -> bytes:
    return json.dumps({"title": title, "genre": GENRE, "rating": rating, "year": 2022}).encode()


def _movies(stack) -> list[tuple[str, Decimal]]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title, rating FROM movies WHERE genre = %s ORDER BY 1, 2", (GENRE,))
        rows = cur.fetchall()
    conn.close()
    return rows


def _run(stack, source: Source, **kwargs) -> Summary:
    conn = psycopg2.connect(stack.database_url)
    try:
        return Run(conn, source, concurrency=2, **kwargs).execute()
    finally:
        conn.close()


def _add_through_api(stack, title: str) -> None:
    """The add processor's own write: the row remembers its creating request."""
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        inserted, _row = insert_movie(
            cur, {"title": title, "genre": GENRE, "rating": Decimal("6.0"), "year": 2022}, str(uuid.uuid4())
        )
        assert inserted
    conn.close()


@dataclass
class Library:
    """One source under test, with the operations a team does in its folder."""

    source: Callable[[], Source]
    add: Callable[[str, bytes], str]
    edit: Callable[[str, bytes], None]
    remove: Callable[[str], None]
    mode: str = "walk"


def _drive_library(how: str) -> tuple[Library, FakeDrive]:
    drive = FakeDrive(page_size_cap=7)
    top = drive.add_folder("Mirror", drive.root)
    endpoint = drive.start()

    def source() -> Source:
        return DriveSource(
            top, credentials_from_info(drive.user_credentials(), drive.token_uri), api_endpoint=endpoint, backoff_base=0.001
        )

    remove = drive.trash if how == "trash" else drive.delete
    return Library(source, lambda name, body: drive.add_file(name, top, body), drive.update_file, remove), drive


def _folder_library(root: Path) -> Library:
    counter = iter(range(1, 1_000_000))

    def write(name: str, body: bytes) -> str:
        path = root / name
        path.write_bytes(body)
        bump = next(counter) * 1_000_000_000  # a distinct mtime (the folder's version) even on a coarse clock
        os.utime(path, ns=(bump, bump))
        return name

    return Library(
        lambda: FolderSource(root), write, lambda name, body: (write(name, body), None)[1], lambda name: (root / name).unlink()
    )


def _scenario(stack, lib: Library, walk_every: int) -> None:
    files = {f"filler{i}": lib.add(f"filler{i}.json", _record(f"Filler {i}")) for i in range(30)}
    files["rated"] = lib.add("rated.json", _record("Rated", 7.0))
    files["junk"] = lib.add("junk.json", _record("Junk"))
    files["added"] = lib.add("added.json", _record("Added by a user too"))
    files["twice1"] = lib.add("twice1.json", _record("Twice"))
    files["twice2"] = lib.add("twice2.json", _record("Twice"))
    _add_through_api(stack, "Added by a user too")  # the user's add comes first: the file links to that row
    first = _run(stack, lib.source(), walk_every=walk_every)
    assert first.mode == "walk" and first.files_loaded == 35 and first.failed == 0
    assert len(_movies(stack)) == 34

    lib.edit(files["rated"], _record("Rated", 8.0))
    lib.remove(files["junk"])
    lib.remove(files["added"])
    lib.remove(files["twice1"])
    second = _run(stack, lib.source(), walk_every=walk_every)
    assert second.mode == lib.mode
    assert second.failed == 0 and second.held == 0
    rows = _movies(stack)
    assert [r for r in rows if r[0] == "Rated"] == [("Rated", Decimal("8.0"))]  # exactly one, the new rating
    titles = [t for t, _r in rows]
    assert "Junk" not in titles  # its file is gone: so is its movie
    assert titles.count("Added by a user too") == 1  # a user added it: it stays
    assert titles.count("Twice") == 1  # another file still says it
    assert len(rows) == 33
    assert (second.removed, second.replaced, second.kept_added) == (1, 1, 1)
    assert assert_consistent(stack.database_url)["totals"][0] == 33  # the kept aggregates match a recount
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, removed, replaced, held FROM etl_runs WHERE id = %s", (second.run_id,))
        assert cur.fetchone() == ("succeeded", 1, 1, 0)
    conn.close()

    lib.remove(files["twice2"])  # the last file saying it
    third = _run(stack, lib.source(), walk_every=walk_every)
    assert "Twice" not in [t for t, _r in _movies(stack)] and third.removed == 1
    assert_consistent(stack.database_url)


@pytest.mark.parametrize("how", ["trash", "delete"])
@pytest.mark.parametrize("mode", ["walk", "changes"])
def test_drive_edits_replace_and_deletions_remove(stack, mode: str, how: str) -> None:
    reset_library(stack, None)
    lib, drive = _drive_library(how)
    lib.mode = mode
    try:
        _scenario(stack, lib, walk_every=1 if mode == "walk" else 10)
    finally:
        drive.stop()


def test_the_folder_source_mirrors_the_same_way(stack, tmp_path: Path) -> None:
    reset_library(stack, None)
    _scenario(stack, _folder_library(tmp_path), walk_every=10)


@pytest.mark.parametrize("mode", ["walk", "changes"])
def test_a_run_that_would_remove_half_the_library_holds_says_why_and_applies_only_when_allowed(stack, mode) -> None:
    reset_library(stack, None)
    lib, drive = _drive_library("trash")
    try:
        ids = [lib.add(f"h{i}.json", _record(f"Half {i}")) for i in range(10)]
        walk_every = 1 if mode == "walk" else 10
        assert _run(stack, lib.source(), walk_every=walk_every).files_loaded == 10
        for file_id in ids[:5]:
            lib.remove(file_id)
        held = _run(stack, lib.source(), walk_every=walk_every)
        assert held.mode == mode and held.held == 5 and held.removed == 0
        assert "would remove 5 of 10 movies" in (held.held_reason or "") and "--allow-deletions" in held.held_reason
        assert len(_movies(stack)) == 10  # none removed
        with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT status, held, removed, error FROM etl_runs WHERE id = %s", (held.run_id,))
            status, count, removed, error = cur.fetchone()
        conn.close()
        assert (status, count, removed) == ("held", 5, 0) and "would remove 5 of 10" in error
        again = _run(stack, lib.source(), walk_every=walk_every)  # still held: a held run walks next time
        assert again.mode == "walk" and again.held == 5 and len(_movies(stack)) == 10
        allowed = _run(stack, lib.source(), walk_every=walk_every, allow_deletions=True)
        assert allowed.removed == 5 and allowed.held == 0
        assert sorted(t for t, _r in _movies(stack)) == [f"Half {i}" for i in range(5, 10)]
        assert_consistent(stack.database_url)
        lib.remove(ids[5])  # 1 of 5 is 20%: over the default share, within an absolute limit set higher
        assert _run(stack, lib.source(), walk_every=walk_every, max_delete_share=0.5).removed == 1
    finally:
        drive.stop()


def test_rows_loaded_before_provenance_are_linked_by_the_first_walk_which_removes_nothing(stack) -> None:
    reset_library(stack, None)
    lib, drive = _drive_library("trash")
    try:
        ids = [lib.add(f"o{i}.json", _record(f"Old {i}")) for i in range(20)]
        _run(stack, lib.source())
        with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:  # as migration 0010 finds them
            cur.execute("DELETE FROM movie_sources")
            cur.execute("UPDATE etl_files SET linked = false WHERE outcome = 'loaded'")
        conn.close()
        lib.remove(ids[0])
        lib.edit(ids[1], _record("Old 1", 9.0))
        upgrade = _run(stack, lib.source())  # a user token: would be a changes run, walks to link
        assert upgrade.mode == "walk" and upgrade.linking and upgrade.removed == upgrade.replaced == 0
        assert upgrade.unbacked == 2  # Old 0 (file gone) and Old 1 at rating 6 (file changed)
        assert upgrade.files_downloaded == 19  # every file at its current version, to link its rows
        assert len(_movies(stack)) == 21  # nothing deleted on the first run
        after = _run(stack, lib.source())
        assert not after.linking and after.files_downloaded == 0 and after.mode == "walk"
        assert (after.removed, after.replaced) == (2, 0)  # the two rows no file backs any more
        titles = _movies(stack)
        assert ("Old 0", Decimal("6.0")) not in titles and ("Old 1", Decimal("6.0")) not in titles
        assert ("Old 1", Decimal("9.0")) in titles and len(titles) == 19
    finally:
        drive.stop()
