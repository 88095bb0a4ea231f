"""The ETL against a real PostgreSQL and a fake Google Drive served over real HTTP to the real client library."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from etl_task.drive import DriveSource, credentials_from_info
from etl_task.pipeline import Run
from etl_task.progress import Progress
from etl_task.sources import FolderSource
from local.fake_drive import FakeDrive
from tests.conftest import reset_library, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _titles(stack) -> list[tuple]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title, genre, rating, year FROM movies ORDER BY 1, 2, 3, 4")
        rows = cur.fetchall()
    conn.close()
    return rows


def _run(stack, source, **kwargs):
    conn = psycopg2.connect(stack.database_url)
    try:
        return Run(conn, source, **kwargs).execute()
    finally:
        conn.close()


def test_fixture_folder_then_checkpoint_then_full(stack, fixture_library: Path) -> None:
    reset_library(stack, None)
    first = _run(stack, FolderSource(fixture_library))
    assert (first.files_seen, first.files_loaded, first.movies_new) == (32, 32, 32)
    again = _run(stack, FolderSource(fixture_library))
    assert again.files_skipped == 32 and again.movies_new == 0 and again.files_loaded == 0
    full = _run(stack, FolderSource(fixture_library), full=True)
    assert full.movies_new == 0 and full.movies_already_present == 32
    assert len(_titles(stack)) == 32


def _nested_drive(fault_rate: float = 0.0, latency: float = 0.0) -> tuple[FakeDrive, str, set[tuple]]:
    """6 levels deep, pages of 3, a shared-drive folder, a shortcut cycle; returns the expected movies."""
    drive = FakeDrive(page_size_cap=3, fault_rate=fault_rate, latency=latency, seed=42)
    top = drive.add_folder("Netflix_Movie_Collection", drive.root)
    expected = set()
    parent = top
    for depth in range(6):
        parent = drive.add_folder(f"Level{depth}", parent)
        for i in range(4):
            movie = {"title": f"Deep {depth}-{i}", "genre": "Drama", "rating": 5 + i, "year": 2000 + depth}
            drive.add_file(f"deep_{depth}_{i}.json", parent, json.dumps(movie).encode())
            expected.add((movie["title"], "Drama", float(movie["rating"]), movie["year"]))
    drive.add_shortcut("Back to the top", parent, top)  # a cycle
    shared = drive.add_folder("Team drive", top, drive_id="drive0001")
    for i in range(5):
        movie = {"title": f"Shared {i}", "genre": "Comedy", "rating": 6.5, "year": 2010}
        drive.add_file(f"shared_{i}.JSON", shared, json.dumps(movie).encode(), drive_id="drive0001")
        expected.add((movie["title"], "Comedy", 6.5, 2010))
    drive.add_file("notes.txt", top, b"not a movie", mime="text/plain")
    drive.add_file("export", top, json.dumps({"title": "No Extension", "genre": "War", "year": 1999}).encode())
    expected.add(("No Extension", "War", None, 1999))
    return drive, top, expected


def test_drive_walk_pages_shared_drives_shortcut_cycle_and_faults(stack) -> None:
    drive, top, expected = _nested_drive(fault_rate=0.10)
    endpoint = drive.start()
    try:
        reset_library(stack, None)
        source = DriveSource(
            top,
            credentials_from_info(drive.user_credentials(), drive.token_uri),
            api_endpoint=endpoint,
            backoff_base=0.005,
            max_tries=10,
        )
        summary = _run(stack, source, batch_size=7, concurrency=4)
    finally:
        drive.stop()
    rows = {(t, g, float(r) if r is not None else None, y) for t, g, r, y in _titles(stack)}
    assert rows == expected
    assert summary.files_loaded == len(expected) and summary.failed == 0 and summary.quarantined == 0
    assert drive.requests["fault_429"] + drive.requests["fault_500"] + drive.requests["fault_403"] > 0
    assert drive.requests["list"] > 14  # several pages per folder


def test_a_file_that_keeps_failing_is_reported_and_retried_next_run(stack) -> None:
    drive, top, expected = _nested_drive()
    endpoint = drive.start()
    try:
        reset_library(stack, None)
        source = DriveSource(
            top,
            credentials_from_info(drive.user_credentials(), drive.token_uri),
            api_endpoint=endpoint,
            backoff_base=0.001,
            max_tries=3,
        )
        broken = next(n.id for n in drive.nodes.values() if n.name == "deep_0_0.json")
        drive.broken_downloads.add(broken)
        summary = _run(stack, source)
        assert summary.failed == 1 and "after 3 tries" in summary.failures[0]["reason"]
        assert drive.downloads[broken] == 3
        assert len(_titles(stack)) == len(expected) - 1
        drive.broken_downloads.clear()
        retry = _run(stack, source)
        assert retry.files_loaded == 1 and retry.files_skipped == len(expected) - 1
        assert len(_titles(stack)) == len(expected)
    finally:
        drive.stop()


def _messy_library(folder: Path) -> dict[str, str]:
    """Every quarantine reason, plus files that must load. Returns {file name: expected reason}."""
    good = {
        "plain.json": '{"title": "Plain", "genre": "Drama", "rating": 7.1, "year": 2001}',
        "bom.json": '\ufeff{"title": "With BOM", "genre": "Drama", "rating": 7.2, "year": 2002}',
        "array.json": '[{"title": "Array One", "genre": "War"}, {"title": "Array Two", "genre": "War", "rating": "8"}]',
        "numeric_strings.json": '{"title": "Strings", "genre": "Drama", "rating": "6.5", "year": "2003"}',
        "extra_keys.json": '{"title": "Extra", "genre": "Drama", "director": "X", "cast": ["A"]}',
        "UPPER.JSON": '{"title": "  Upper   Case  ", "genre": " Comedy ", "rating": 5, "year": 2004}',
    }
    bad = {
        "invalid.json": ("{title: nope}", "invalid JSON"),
        "latin1.json": ('{"title": "Caf\xe9", "genre": "Drama"}'.encode("latin-1"), "not UTF-8"),
        "huge.json": (b'{"title": "' + b"x" * 1_000_001 + b'", "genre": "G"}', "larger than 1000000 bytes"),
        "no_title.json": ('{"genre": "Drama"}', "'title' is missing"),
        "empty_title.json": ('{"title": "  ", "genre": "Drama"}', "'title' is empty"),
        "no_genre.json": ('{"title": "T"}', "'genre' is missing"),
        "empty_genre.json": ('{"title": "T", "genre": ""}', "'genre' is empty"),
        "rating_high.json": ('{"title": "T", "genre": "G", "rating": 10.5}', "'rating' 10.5 is outside 0..10"),
        "rating_low.json": ('{"title": "T", "genre": "G", "rating": -1}', "'rating' -1 is outside 0..10"),
        "year_low.json": ('{"title": "T", "genre": "G", "year": 1899}', "'year' 1899 is outside 1900..2100"),
        "year_high.json": ('{"title": "T", "genre": "G", "year": 2101}', "'year' 2101 is outside 1900..2100"),
    }
    sub = folder / "nested" / "deeper"
    sub.mkdir(parents=True)
    for name, text in good.items():
        (sub if name.startswith("a") else folder).joinpath(name).write_text(text, encoding="utf-8")
    for name, (content, _reason) in bad.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (folder / "readme.txt").write_text("not a movie")
    (folder / "poster.png").write_bytes(b"\x89PNG")
    return {name: reason for name, (_c, reason) in bad.items()}


def test_messy_library_exact_counts_and_reasons(stack, tmp_path: Path) -> None:
    library = tmp_path / "messy"
    library.mkdir()
    reasons = _messy_library(library)
    reset_library(stack, None)
    report = tmp_path / "quarantine.jsonl"
    with report.open("w") as out:
        summary = _run(stack, FolderSource(library), quarantine_out=out)
    assert summary.files_seen == 6 + len(reasons)
    assert summary.files_loaded == 6 and summary.movies_new == 7
    assert summary.quarantined == len(reasons)
    entries = {e["path"]: e["reason"] for e in map(json.loads, report.read_text().splitlines())}
    assert set(entries) == set(reasons)
    for name, reason in reasons.items():
        assert reason in entries[name], (name, entries[name])
    assert ("Upper Case", "Comedy", 5.0, 2004) in [(t, g, float(r), y) for t, g, r, y in _titles(stack) if r]


def test_progress_lines_when_not_a_terminal(stack, fixture_library: Path) -> None:
    import io

    reset_library(stack, None)
    stream = io.StringIO()
    _run(stack, FolderSource(fixture_library), progress=Progress(interval=0, stream=stream, tty=False))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and lines[-1]["event"] == "etl_progress" and lines[-1]["files_done"] == 32
    assert {"files_per_second", "movies_new", "quarantined", "failed"} <= set(lines[-1])


def _etl_process(stack, drive: FakeDrive, endpoint: str, top: str, creds: Path, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "DRIVE_API_ENDPOINT": endpoint,
        "DRIVE_TOKEN_URI": drive.token_uri,
        "DRIVE_CREDENTIALS_FILE": str(creds),
        "DRIVE_BACKOFF_SECONDS": "0.01",
        "ETL_LEASE_SECONDS": "3",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "etl_task",
            "--source",
            "drive",
            "--folder-id",
            top,
            "--batch-size",
            "10",
            "--concurrency",
            "4",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _checkpointed(stack) -> set[str]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT file_id FROM etl_files")
        ids = {r[0] for r in cur.fetchall()}
    conn.close()
    return ids


def _lease_free(stack) -> bool:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM etl_lease WHERE expires_at > now()")
        free = cur.fetchone()[0] == 0
    conn.close()
    return free


def _big_drive(count: int = 200) -> tuple[FakeDrive, str, set[tuple]]:
    drive = FakeDrive(latency=0.03, page_size_cap=50)
    top = drive.add_folder("Big", drive.root)
    expected = set()
    for i in range(count):
        folder = top if i % 2 else drive.add_folder(f"F{i}", top)
        movie = {"title": f"Kill Test {i}", "genre": "Thriller", "rating": round(i % 100 / 10, 1), "year": 1950 + i % 70}
        drive.add_file(f"m{i}.json", folder, json.dumps(movie).encode())
        expected.add((movie["title"], "Thriller", float(movie["rating"]), movie["year"]))
    return drive, top, expected


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_interrupted_run_resumes_without_downloading_loaded_files(stack, tmp_path: Path, how: str) -> None:
    drive, top, expected = _big_drive()
    endpoint = drive.start()
    creds = tmp_path / "token.json"
    creds.write_text(json.dumps(drive.user_credentials()))
    try:
        reset_library(stack, None)
        proc = _etl_process(stack, drive, endpoint, top, creds)
        wait_for(lambda: len(_checkpointed(stack)) >= len(expected) // 2 or proc.poll() is not None, timeout=120)
        proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        if how == "SIGTERM":
            assert proc.returncode == 0, err
            summary = json.loads(out.strip().splitlines()[-1])
            assert summary["event"] == "etl_summary" and summary["interrupted"] is True
        else:
            assert proc.returncode == -signal.SIGKILL, out + err
            wait_for(lambda: _lease_free(stack), timeout=30)  # a killed run's lease runs out by itself
        done_before = _checkpointed(stack)
        assert 0 < len(done_before) < len(expected), "the run should have been stopped half way"
        drive.downloads.clear()

        proc = _etl_process(stack, drive, endpoint, top, creds)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["files_skipped"] == len(done_before)
    finally:
        drive.stop()
    assert not done_before & set(drive.downloads), "files loaded before the interruption were downloaded again"
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM etl_runs ORDER BY id")
        # SIGTERM: the run says so itself; SIGKILL: the next run finds its lease expired and says so.
        assert [r[0] for r in cur.fetchall()] == ["interrupted", "succeeded"]
    conn.close()
    rows = {(t, g, float(r), y) for t, g, r, y in _titles(stack)}
    assert rows == expected  # exactly what an uninterrupted run gives


def test_credentials_from_secrets_manager(stack, monkeypatch) -> None:
    import boto3

    from etl_task.drive import load_credentials

    drive = FakeDrive()
    drive.start()
    try:
        boto3.client("secretsmanager", endpoint_url=stack.resources.endpoint).create_secret(
            Name="movie-library/drive-token", SecretString=json.dumps(drive.user_credentials())
        )
        monkeypatch.setenv("DRIVE_CREDENTIALS_SECRET", "movie-library/drive-token")
        monkeypatch.setenv("DRIVE_TOKEN_URI", drive.token_uri)
        creds = load_credentials()
        assert creds.refresh_token == drive.refresh_token and creds.token_uri == drive.token_uri
    finally:
        drive.stop()


def test_missing_credentials_and_database_are_fatal(stack, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    env.pop("DRIVE_CREDENTIALS_SECRET", None)
    no_db = subprocess.run(
        [sys.executable, "-m", "etl_task", "--folder", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_db.returncode == 1 and "etl_failed" in no_db.stdout
    env["DATABASE_URL"] = stack.database_url
    no_creds = subprocess.run(
        [sys.executable, "-m", "etl_task", "--source", "drive", "--folder-id", "x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_creds.returncode == 1 and "DRIVE_CREDENTIALS" in no_creds.stdout


def test_cli_prints_summary_and_exits_zero_with_quarantined_files(stack, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "good.json").write_text('{"title": "CLI Movie", "genre": "Drama"}')
    env = {**os.environ, "DATABASE_URL": stack.database_url, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "etl_task", "--folder", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1]["event"] == "etl_summary" and lines[-1]["quarantined"] == 1 and lines[-1]["files_loaded"] == 1
    assert any(line["event"] == "etl_quarantined" and line["path"] == "bad.json" for line in lines)


def test_a_failed_batch_write_stops_the_run_and_keeps_earlier_batches_whole(stack, tmp_path: Path, monkeypatch) -> None:
    from etl_task import store

    for i in range(30):
        (tmp_path / f"m{i:02d}.json").write_text(json.dumps({"title": f"Batch Fail {i}", "genre": "G"}))
    reset_library(stack, None)
    real = store.insert_staged
    calls = {"n": 0}

    def second_batch_fails(cur, source):
        calls["n"] += 1
        if calls["n"] == 2:
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
        return real(cur, source)

    monkeypatch.setattr(store, "insert_staged", second_batch_fails)
    with pytest.raises(psycopg2.OperationalError):
        _run(stack, FolderSource(tmp_path), batch_size=10)
    assert len(_titles(stack)) == 10  # the first batch, whole; the second rolled back
    assert len(_checkpointed(stack)) == 10  # and exactly its files are checkpointed
    monkeypatch.undo()
    resumed = _run(stack, FolderSource(tmp_path), batch_size=10)
    assert resumed.files_skipped == 10 and resumed.movies_new == 20
    assert len(_titles(stack)) == 30


def test_the_etl_alarms_watch_metrics_the_task_really_emits(stack, tmp_path: Path) -> None:
    from infra import template

    (tmp_path / "good.json").write_text('{"title": "Metric Movie", "genre": "Drama"}')
    env = {**os.environ, "DATABASE_URL": stack.database_url, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    ok = subprocess.run(
        [sys.executable, "-m", "etl_task", "--folder", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = subprocess.run(
        [sys.executable, "-m", "etl_task", "--folder", str(empty)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert (ok.returncode, failed.returncode) == (0, 1), ok.stdout + failed.stdout
    emitted = {}
    for out in (ok.stdout, failed.stdout):
        line = next(json.loads(x) for x in out.splitlines() if '"_aws"' in x)
        (spec,) = line["_aws"]["CloudWatchMetrics"]
        for metric in spec["Metrics"]:
            dims = {d: line[d] for d in spec["Dimensions"][0]}
            emitted.setdefault((spec["Namespace"], metric["Name"], tuple(sorted(dims.items()))), []).append(line[metric["Name"]])
    alarms = {
        k: v["Properties"] for k, v in template.load()["Resources"].items() if k in ("EtlRunFailedAlarm", "EtlNotSucceededAlarm")
    }
    assert len(alarms) == 2
    for props in alarms.values():
        key = (props["Namespace"], props["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in props["Dimensions"])))
        assert key in emitted, key
    assert emitted[("MovieLibrary", "EtlRunsSucceeded", (("service", "movie-etl"),))] == [1, 0]
    assert emitted[("MovieLibrary", "EtlRunsFailed", (("service", "movie-etl"),))] == [0, 1]
