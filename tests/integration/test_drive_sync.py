"""Incremental sync against the strict fake Drive: after a full run and 20 changes, the walk, the changes
feed and an expired feed token (falling back to the walk) each download exactly the changed files and
load exactly the expected rows. And one run at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from etl_task.drive import DriveSource, credentials_from_info
from etl_task.pipeline import Run
from local.fake_drive import DOC, FakeDrive
from tests.conftest import reset_library

ROOT = Path(__file__).resolve().parents[2]


def _movie(title: str) -> bytes:
    return json.dumps({"title": title, "genre": "Sync", "rating": 6.0, "year": 2021}).encode()


def _build() -> tuple[FakeDrive, str, dict[str, str]]:
    drive = FakeDrive(page_size_cap=5)
    top = drive.add_folder("Library", drive.root)
    folders = [top, drive.add_folder("A", top), drive.add_folder("B", top)]
    folders.append(drive.add_folder("Deep", folders[1]))
    ids = {f"base{i}": drive.add_file(f"base{i}.json", folders[i % 4], _movie(f"Base {i}")) for i in range(16)}
    outside = drive.add_folder("Outside", drive.root)
    ids["mover"] = drive.add_file("mover.json", outside, _movie("Mover"))
    unrelated = drive.add_folder("Unrelated", drive.root)
    ids.update(top=top, deep=folders[3], b=folders[2], unrelated=unrelated)
    return drive, top, ids


def _twenty_changes(drive: FakeDrive, ids: dict[str, str]) -> dict[str, set[str]]:
    """The issue's 20 changes; returns the ids that must be downloaded, quarantined and seen deleted."""
    new = {
        drive.add_file(f"new{i}.json", [ids["top"], ids["deep"], ids["b"]][i % 3], _movie(f"New {i}")) for i in range(11)
    }  # 11 new files
    drive.update_file(ids["base3"], _movie("Base 3 edited"))  # 1 edited file
    sub = drive.add_folder("New sub", ids["deep"])  # a new subfolder (1)
    in_sub = {drive.add_file(f"sub{i}.json", sub, _movie(f"Sub {i}")) for i in range(3)}  # with 3 files
    drive.move(ids["mover"], ids["b"])  # 1 moved in from outside
    drive.trash(ids["base5"])  # 1 trashed
    doc = drive.add_file("x.json", ids["top"], b"", mime=DOC)  # 1 Google Doc named x.json
    drive.add_file("elsewhere.json", ids["unrelated"], _movie("Unrelated"))  # 1 in an unrelated folder
    return {"downloaded": new | in_sub | {ids["base3"], ids["mover"]}, "quarantined": {doc}, "deleted": {ids["base5"]}}


def _rows(stack) -> set[str]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title FROM movies WHERE genre = 'Sync'")
        rows = {r[0] for r in cur.fetchall()}
    conn.close()
    return rows


def _sync(stack, how: str) -> dict:
    drive, top, ids = _build()
    endpoint = drive.start()
    try:
        reset_library(stack, None)
        source = DriveSource(
            top, credentials_from_info(drive.user_credentials(), drive.token_uri), api_endpoint=endpoint, backoff_base=0.001
        )
        conn = psycopg2.connect(stack.database_url)
        try:
            first = Run(conn, source, concurrency=4).execute()
            assert (first.mode, first.files_loaded, first.failed) == ("walk", 16, 0)
            before = len(drive._changes)
            expected = _twenty_changes(drive, ids)
            assert len(drive._changes) - before == 20, "twenty changes after the first run"
            drive.downloads.clear()
            if how == "expired token":
                drive.expire_change_tokens()
            summary = Run(conn, source, concurrency=4, walk_every=1 if how == "walk" else 10).execute()
        finally:
            conn.close()
    finally:
        drive.stop()
    return {
        "summary": summary,
        "expected": expected,
        "downloads": set(drive.downloads),
        "multiple": {k for k, n in drive.downloads.items() if n > 1},
        "rows": _rows(stack),
    }


EXPECTED_ROWS = (
    {f"Base {i}" for i in range(16)} - {"Base 3", "Base 5"}
    | {"Base 3 edited", "Mover"}
    | {f"New {i}" for i in range(11)}
    | {f"Sub {i}" for i in range(3)}
)  # the library mirrors the folder


@pytest.mark.parametrize("how", ["walk", "changes", "expired token"])
def test_twenty_changes_sync_exactly_what_changed(stack, how: str) -> None:
    result = _sync(stack, how)
    summary, expected = result["summary"], result["expected"]
    assert summary.mode == ("changes" if how == "changes" else "walk")
    assert (summary.fallback is not None) == (how == "expired token")
    assert result["downloads"] == expected["downloaded"] and not result["multiple"]
    assert summary.files_downloaded == 16 and summary.failed == 0
    assert {q["fileId"] for q in summary.quarantine} == expected["quarantined"]
    assert set(summary.deleted) == expected["deleted"] and summary.deleted_seen == 1
    assert (summary.removed, summary.replaced, summary.held) == (1, 1, 0)  # Base 5 trashed, Base 3 edited
    assert result["rows"] == EXPECTED_ROWS


def test_the_run_history_records_mode_state_counts_and_the_quarantine(stack) -> None:
    result = _sync(stack, "changes")
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT mode, status, files_downloaded, quarantined, deleted_seen, movies_new, removed, replaced,"
            " held FROM etl_runs ORDER BY id"
        )
        runs = cur.fetchall()
        cur.execute("SELECT outcome, file_id, reason FROM etl_run_files WHERE run_id = %s", (result["summary"].run_id,))
        report = cur.fetchall()
    conn.close()
    assert runs == [("walk", "succeeded", 16, 0, 0, 16, 0, 0, 0), ("changes", "succeeded", 16, 1, 1, 16, 1, 1, 0)]
    assert [(o, f) for o, f, _r in report] == [("quarantined", next(iter(result["expected"]["quarantined"])))]


def test_two_runs_started_together_one_runs_and_the_other_exits_cleanly_saying_why(stack, tmp_path: Path) -> None:
    drive = FakeDrive(latency=0.05, page_size_cap=20)
    top = drive.add_folder("Lease", drive.root)
    for i in range(240):  # about 6 s of downloads: longer than the second process takes to start
        drive.add_file(f"l{i}.json", top, _movie(f"Lease {i}"))
    endpoint = drive.start()
    creds = tmp_path / "token.json"
    creds.write_text(json.dumps(drive.user_credentials()))
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "DRIVE_API_ENDPOINT": endpoint,
        "DRIVE_TOKEN_URI": drive.token_uri,
        "DRIVE_CREDENTIALS_FILE": str(creds),
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    try:
        reset_library(stack, None)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "etl_task", "--source", "drive", "--folder-id", top, "--concurrency", "2"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=180) for p in procs]
    finally:
        drive.stop()
    assert [p.returncode for p in procs] == [0, 0], outputs
    last = sorted(json.loads(out.strip().splitlines()[-1])["event"] for out, _err in outputs)
    assert last == ["etl_skipped", "etl_summary"], outputs
    skipped = next(json.loads(o.strip().splitlines()[-1]) for o, _e in outputs if "etl_skipped" in o)
    assert "another ETL run holds the lease" in skipped["reason"]
    assert sum(drive.downloads.values()) == 240  # the one run downloaded each file once
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), min(status) FROM etl_runs")
        assert cur.fetchone() == (1, "succeeded")
        cur.execute("SELECT count(*) FROM etl_lease")
        assert cur.fetchone() == (0,)  # released at the end
    conn.close()


def test_the_feed_is_used_between_walks_and_a_service_account_always_walks(stack) -> None:
    from local.fake_drive import SERVICE_ACCOUNT

    drive = FakeDrive(page_size_cap=5)
    top = drive.add_folder("Every nth", drive.root)
    drive.add_file("a.json", top, _movie("Nth A"))
    drive.share(top, SERVICE_ACCOUNT)
    endpoint = drive.start()
    try:
        reset_library(stack, None)
        modes = {}
        for kind, info in (("user", drive.user_credentials()), ("service account", drive.service_account_info())):
            source = DriveSource(top, credentials_from_info(info, drive.token_uri), api_endpoint=endpoint)
            conn = psycopg2.connect(stack.database_url)
            try:
                modes[kind] = [Run(conn, source, walk_every=3).execute().mode for _ in range(4)]
                modes[kind].append(Run(conn, source, walk_every=3, full=True).execute().mode)
            finally:
                conn.close()
    finally:
        drive.stop()
    assert modes["user"] == ["walk", "changes", "changes", "walk", "full"]
    assert modes["service account"] == ["walk", "walk", "walk", "walk", "full"]
