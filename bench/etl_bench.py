"""ETL throughput: our pipeline beside the seed's method (one INSERT and one commit per row), and the Drive
source concurrent beside sequential, against the fake Drive with 50 ms per request. And incremental sync
with provenance: after edits, deletions and new files the library matches the folder exactly."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bench import synthetic
from etl_task.drive import DEFAULT_REQUESTS_PER_SECOND, DriveSource, credentials_from_info
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
        cur.execute(
            "CREATE TABLE seed_etl_movies (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
            " title varchar(255) NOT NULL, genre varchar(100) NOT NULL, rating numeric(3,1), year int,"
            " UNIQUE (title, genre, rating, year))"
        )
    started = time.perf_counter()
    files = 0
    for path in folder.rglob("*.json"):
        movie = json.loads(path.read_text())
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO seed_etl_movies (title, genre, rating, year) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (movie["title"], movie["genre"], movie["rating"], movie["year"]),
            )
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
        drive.add_file(
            f"m{i}.json", folders[i % 20], json.dumps({"title": title, "genre": genre, "rating": rating, "year": year}).encode()
        )
    return drive, top


def run(stack, report) -> None:
    folder = Path(stack.pg.data_dir).parent / "etl-library"
    started = time.perf_counter()
    write_library(folder, FILES)
    write_seconds = time.perf_counter() - started
    ours_rate, summary = ours(stack.database_url, FolderSource(folder))
    assert summary.movies_new == FILES, summary.report()
    seed_rate = seed_method(stack.database_url, folder)
    rows = [
        (
            f"local folder, {FILES:,} files",
            f"{ours_rate:,.0f}",
            f"{seed_rate:,.0f}",
            f"{ours_rate / seed_rate:.1f}x",
            # Issue 27: context only. A real library comes from Drive, bound by its request quota: the goal is
            # the full Drive load's request rate (the etl-sync section).
            "context (goal: see the Drive full load)",
        )
    ]

    drive, top = drive_library(DRIVE_FILES)
    endpoint = drive.start()
    try:
        creds = credentials_from_info(drive.user_credentials(), drive.token_uri)
        concurrent_rate, summary = ours(stack.database_url, DriveSource(top, creds, api_endpoint=endpoint), concurrency=16)
        assert summary.files_loaded == DRIVE_FILES, summary.report()
        small, small_top = drive_library(SEQUENTIAL_DRIVE_FILES)
        small_endpoint = small.start()
        try:
            sequential_rate, _ = ours(
                stack.database_url,
                DriveSource(
                    small_top, credentials_from_info(small.user_credentials(), small.token_uri), api_endpoint=small_endpoint
                ),
                concurrency=1,
            )
        finally:
            small.stop()
    finally:
        drive.stop()
    rows.append(
        (
            f"fake Drive, 50 ms a request, {DRIVE_FILES:,} files (16 downloads at a time)",
            f"{concurrent_rate:,.0f}",
            f"{sequential_rate:,.0f} (sequential walk, {SEQUENTIAL_DRIVE_FILES} files)",
            f"{concurrent_rate / sequential_rate:.1f}x",
            f"context (at most {DEFAULT_REQUESTS_PER_SECOND:.0f} requests/s: see the Drive full load)",
        )
    )
    report.table("ETL throughput (files/s)", rows, ("run", "ours", "comparison", "ratio", "goal"))
    report.note(f"(Writing the {FILES:,} test files took {write_seconds:.1f} s and is not counted.)\n")
    report.note(
        "Goals restated (issue 27): the local-folder ratio against the seed's per-row commits is context, not what a "
        "user waits for; a real library comes from Drive, bound by the request quota. The fake-Drive row's earlier "
        f"goal (>= 160 files/s and >= 10x sequential) predates the request limit: at the default "
        f"{DEFAULT_REQUESTS_PER_SECOND:.0f} requests/s no load passes {DEFAULT_REQUESTS_PER_SECOND:.0f} files/s. The "
        "goal is that a full load of the 100,000-file fake Drive reaches >= 90% of the configured request rate (the "
        "incremental sync section's full run)."
    )
    shutil.rmtree(folder, ignore_errors=True)


# --- incremental sync: full run, walk re-sync and changes-feed re-sync after the same 100 changes ----------

SYNC_FILES = int(os.environ.get("BENCH_SYNC_FILES", "100000"))
SYNC_FOLDERS = int(os.environ.get("BENCH_SYNC_FOLDERS", "10000"))
SYNC_CHANGES = int(os.environ.get("BENCH_SYNC_CHANGES", "100"))


def sync_library(files: int, folders: int) -> tuple[FakeDrive, str, list[str], list[str]]:
    """files JSON files in folders folders (two levels: about sqrt(folders) at the top), 50 ms a request."""
    drive = FakeDrive(latency=0.05, page_size_cap=1000)
    top = drive.add_folder("Sync bench", drive.root)
    parents = [drive.add_folder(f"P{i}", top) for i in range(max(1, int(folders**0.5)))]
    tree = list(parents)
    while len(tree) < folders:
        tree.append(drive.add_folder(f"C{len(tree)}", parents[len(tree) % len(parents)]))
    ids = []
    for i, (title, genre, rating, year) in enumerate(synthetic.rows(files, seed=17)):
        ids.append(
            drive.add_file(
                f"s{i}.json",
                tree[i % len(tree)],
                json.dumps({"title": title, "genre": genre, "rating": rating, "year": year}).encode(),
            )
        )
    return drive, top, tree, ids


class RemoteDrive:
    """The fake Drive in a process of its own, as Drive is remote: it does not share the ETL's CPU time and
    GIL. The bench changes it and reads its counters over a pipe."""

    def __init__(self, files: int, folders: int):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._proc = context.Process(target=_serve_remote, args=(child, files, folders), daemon=True)
        self._proc.start()
        self.endpoint, self.token_uri, self.credentials, self.top, self.tree, self.ids = self._conn.recv()

    def call(self, name: str, *args: object) -> object:
        self._conn.send((name, args))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        self.call("stop")
        self._proc.join(30)


def _serve_remote(conn, files: int, folders: int) -> None:
    drive, top, tree, ids = sync_library(files, folders)
    endpoint = drive.start()
    conn.send((endpoint, drive.token_uri, drive.user_credentials(), top, tree, ids))
    while True:
        name, args = conn.recv()
        try:
            if name == "counts":
                value: object = (drive.requests["total"], sum(drive.downloads.values()))
            elif name == "contents":  # every live file's content: what the library must say
                value = [
                    n.content for n in drive.nodes.values() if n.mime == "application/json" and not n.deleted and not n.trashed
                ]
            elif name == "clear":
                drive.requests.clear()
                drive.downloads.clear()
                value = None
            else:
                value = getattr(drive, name)(*args)
            conn.send((True, value))
        except Exception as exc:  # the bench says what went wrong
            conn.send((False, repr(exc)))
        if name == "stop":
            return


def _sync_run(dsn: str, source: DriveSource, drive: RemoteDrive, **kwargs) -> tuple[object, int, int, float]:
    drive.call("clear")
    conn = psycopg2.connect(dsn)
    try:
        started = time.perf_counter()
        summary = Run(conn, source, concurrency=16, **kwargs).execute()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    requests, downloads = drive.call("counts")  # type: ignore[misc]
    return summary, requests, downloads, seconds


def run_sync(stack, report) -> None:
    started = time.perf_counter()
    drive = RemoteDrive(SYNC_FILES, SYNC_FOLDERS)
    build_seconds = time.perf_counter() - started
    top, tree, ids = drive.top, drive.tree, drive.ids
    dsn = stack.database_url
    try:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("TRUNCATE movies, etl_files, etl_runs, etl_tree, etl_sync_state")
        conn.close()
        source = DriveSource(top, credentials_from_info(drive.credentials, drive.token_uri), api_endpoint=drive.endpoint)
        full = _sync_run(dsn, source, drive, full=True)
        assert full[0].files_downloaded == SYNC_FILES and full[0].failed == 0, full[0].report()
        # The same changes for both re-syncs, spread over the tree: edits, deletions (half trashed, half
        # deleted for good) and new files.
        edits, deletions = SYNC_CHANGES // 5, SYNC_CHANGES // 5
        for n in range(SYNC_CHANGES):
            file_id = ids[(n * 7919) % len(ids)]
            if n < edits:
                drive.call("update_file", file_id, json.dumps({"title": f"Edited {n}", "genre": "Bench"}).encode())
            elif n < edits + deletions:
                drive.call("trash" if n % 2 else "delete", file_id)
            else:
                drive.call(
                    "add_file",
                    f"new{n}.json",
                    tree[(n * 104729) % len(tree)],
                    json.dumps({"title": f"New {n}", "genre": "Bench"}).encode(),
                )
        expected = _expected_rows(drive.call("contents"))  # type: ignore[arg-type]
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT changes_token FROM etl_sync_state WHERE source = %s", (source.name,))
            token = cur.fetchone()[0]
            _snapshot(cur, "save")
        conn.close()
        feed = _sync_run(dsn, source, drive)
        assert feed[0].mode == "changes" and feed[0].held == 0, feed[0].report()
        feed_match = _library_matches(dsn, expected)
        # Put the library, its links, the checkpoint and the feed position back as they were, so the walk
        # sees the same 100 changes.
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            _snapshot(cur, "restore")
            cur.execute("UPDATE etl_sync_state SET changes_token = %s WHERE source = %s", (token, source.name))
        conn.close()
        walk = _sync_run(dsn, source, drive, walk_every=1)
        assert walk[0].mode == "walk" and walk[0].held == 0, walk[0].report()
        walk_match = _library_matches(dsn, expected)
    finally:
        drive.stop()
    rows = []
    for name, (_summary, requests, downloads, seconds) in (
        (f"full run ({SYNC_FILES:,} files, {SYNC_FOLDERS:,} folders)", full),
        (f"walk re-sync after {SYNC_CHANGES} changes", walk),
        (f"changes-feed re-sync after the same {SYNC_CHANGES}", feed),
    ):
        rows.append(
            (
                name,
                f"{requests:,}",
                f"{downloads:,}",
                f"{seconds:,.1f}",
                f"{100 * requests / full[1]:.2f}%",
                f"{100 * seconds / full[3]:.1f}%",
            )
        )
    report.table(
        "ETL incremental sync (fake Drive, 50 ms a request, 150 requests/s limit, 16 at a time)",
        rows,
        ("run", "Drive requests", "downloads", "seconds", "requests vs full", "time vs full"),
    )
    changed = SYNC_CHANGES - deletions  # edits and new files: the deletions have nothing to download
    removed = {k: (r[0].removed, r[0].replaced) for k, r in (("walk", walk), ("feed", feed))}  # type: ignore[attr-defined]
    goals = [
        f"both re-syncs download exactly the {changed} changed files: walk {walk[2]}, feed {feed[2]}",
        f"and remove the {deletions} deleted files' movies and replace the {edits} edited ones' "
        f"(removed, replaced): walk {removed['walk']}, feed {removed['feed']}",
        f"the library then matches the folder exactly: walk {walk_match}, feed {feed_match}",
        f"walk re-sync <= 15% of the full run's time: {100 * walk[3] / full[3]:.1f}%",
        f"changes-feed re-sync <= 1% of the full run's requests: {100 * feed[1] / full[1]:.2f}%",
        # Issue 27: what a user waits for is the full load, bound by the request quota.
        f"the full load reaches >= 90% of the configured 150 requests/s: {full[1] / full[3]:.0f} requests/s = "
        f"{100 * full[1] / full[3] / 150:.1f}% ({'met' if full[1] / full[3] >= 135 else 'not met'})",
    ]
    report.note("Goals: " + "; ".join(goals) + f". (Building the fake library took {build_seconds:.0f} s, not counted.)\n")
    report.note(
        f"The fake Drive runs in a process of its own (as Drive is remote); the full run reached "
        f"{full[1] / full[3]:.0f} requests/s against the 150 requests/s limit and the walk {walk[1] / walk[3]:.0f}, "
        "on a 2-core machine shared with other work. Requests are counted by the fake (every API call, "
        "retries included; not the token endpoint). "
        "Re-run with `python -m bench.etl_bench` (BENCH_SYNC_FILES, BENCH_SYNC_FOLDERS and BENCH_SYNC_CHANGES "
        "make it smaller).\n"
    )


_SNAPSHOT = ("movies", "movie_sources", "etl_files", "etl_tree")


def _snapshot(cur, how: str) -> None:
    """Copy the library's state aside ("save") or put it back ("restore"; the aggregates follow through
    the movies triggers)."""
    for table in _SNAPSHOT:
        saved = sql.Identifier(f"bench_saved_{table}")
        if how == "save":
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(saved))
            cur.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(saved, sql.Identifier(table)))
        else:
            cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            # Generated columns (movies.title_folded, migration 0030) take no value: they are computed again.
            cur.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                (table,),
            )
            columns = sql.SQL(", ").join(sql.Identifier(r[0]) for r in cur.fetchall())
            cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(sql.Identifier(table), columns, columns, saved))
            cur.execute(sql.SQL("DROP TABLE {}").format(saved))


def _expected_rows(contents: list[bytes]) -> set[tuple[str, str, str, str]]:
    """The distinct movies the folder's files say, as the library's identity compares them."""
    from etl_task.records import parse

    rows = set()
    for content in contents:
        for movie in parse(content):
            rows.add(
                (
                    " ".join(movie.title.split()).lower(),
                    " ".join(movie.genre.split()).lower(),
                    "" if movie.rating is None else f"{movie.rating:.1f}",
                    "" if movie.year is None else str(movie.year),
                )
            )
    return rows


def _library_matches(dsn: str, expected: set[tuple[str, str, str, str]]) -> str:
    """'exact (N rows, md5 …)' when the movies table holds exactly the expected identities; else what differs."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT movie_key(title), movie_key(genre), coalesce(rating::text, ''), coalesce(year::text, '') FROM movies")
        actual = [tuple(r) for r in cur.fetchall()]
    conn.close()
    digest = hashlib.md5("\n".join(sorted("|".join(r) for r in actual)).encode()).hexdigest()  # noqa: S324
    want = hashlib.md5("\n".join(sorted("|".join(r) for r in expected)).encode()).hexdigest()  # noqa: S324
    if len(actual) == len(set(actual)) == len(expected) and digest == want:
        return f"exact ({len(actual):,} rows, md5 {digest[:12]})"
    missing, extra = len(expected - set(actual)), len(set(actual) - expected)
    raise AssertionError(
        f"library differs from the folder: {len(actual)} rows vs {len(expected)}, {missing} missing, {extra} extra"
    )


def save_section(path: Path, key: str, text: str) -> None:
    """Replace (or append) just this section of the report, keeping everything else as it is."""
    marker = f"<!-- bench:{key} -->"
    current = path.read_text() if path.exists() else ""
    before, found, after = current.partition(marker)
    rest = after[after.find("<!-- bench:") :] if found and "<!-- bench:" in after else ""
    path.write_text(f"{before.rstrip()}\n\n{marker}\n{text.strip()}\n" + (f"\n{rest}" if rest else ""))


if __name__ == "__main__":  # python -m bench.etl_bench: the sync benchmark alone, into bench/REPORT.md
    import sys
    from datetime import UTC, datetime

    from bench.report import REPORT, Report
    from local.stack import ROOT, LocalStack

    bench_report = Report()
    bench_stack = LocalStack(
        pg_dir=ROOT / ".local" / "bench" / "pg-sync", port=0, sample_library=None, ephemeral=True, serve=False
    )
    try:
        bench_stack.start()
        bench_report.section("etl-sync")
        bench_report.note(f"<sub>measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.etl_bench`</sub>\n")
        run_sync(bench_stack, bench_report)
    finally:
        bench_stack.stop()
    if "--no-save" not in sys.argv:
        save_section(REPORT, "etl-sync", "\n".join(bench_report.sections["etl-sync"]))
