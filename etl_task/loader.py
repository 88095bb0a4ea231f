"""Batched loading: COPY into staging, one INSERT … ON CONFLICT DO NOTHING per batch, and the
checkpoint of the batch's files in the same transaction."""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, Any

import psycopg2.extensions

from etl_task import store
from etl_task.records import Movie, Rejected, parse
from etl_task.sources import SourceFile


@dataclass
class Summary:
    mode: str = "walk"  # full (download everything), walk (list everything), changes (the feed)
    run_id: int | None = None
    files_seen: int = 0
    files_skipped: int = 0  # already loaded by an earlier run (checkpoint)
    files_downloaded: int = 0
    files_loaded: int = 0
    movies_new: int = 0
    movies_already_present: int = 0
    duplicates_in_run: int = 0
    quarantined: int = 0
    failed: int = 0
    suppressed: int = 0  # file versions with a record skipped: a librarian removed its movie
    deleted_seen: int = 0  # checkpointed files no longer in the source
    removed: int = 0  # movie rows removed: no file backs them any more (and no user added them)
    replaced: int = 0  # movie rows removed: their file now says something else
    held: int = 0  # rows this run would have removed but held (too many; see held_reason)
    kept_added: int = 0  # rows no file backs any more that stay because a user added them
    held_reason: str | None = None
    unbacked: int = 0  # first run with provenance: rows loaded before it that no file backs now
    linking: bool = False  # the first run after the upgrade to provenance: links, removes nothing
    feed_note: str | None = None  # why the changes feed is not used for this source
    seconds: float = 0.0
    interrupted: bool = False
    fallback: str | None = None  # why the changes feed was not used when it was due
    quarantine: list[dict[str, str]] = field(default_factory=list, repr=False)  # fileId, path, reason
    failures: list[dict[str, str]] = field(default_factory=list, repr=False)
    deleted: list[str] = field(default_factory=list, repr=False)
    suppressed_files: list[dict[str, str]] = field(default_factory=list)  # fileId, version, path: in the report

    def report(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("quarantine", "failures", "deleted"):
            data.pop(key)
        data["seconds"] = round(self.seconds, 3)
        return data

    def counts(self) -> dict[str, int]:
        """The counts kept with the run (etl_runs columns)."""
        return {
            "files_seen": self.files_seen,
            "files_downloaded": self.files_downloaded,
            "movies_new": self.movies_new,
            "movies_present": self.movies_already_present,
            "quarantined": self.quarantined,
            "failed": self.failed,
            "deleted_seen": self.deleted_seen,
            "removed": self.removed,
            "replaced": self.replaced,
            "held": self.held,
        }


Identity = tuple[str, str, Decimal | None, int | None]


def _identity(movie: Movie) -> Identity:
    return (movie.title.lower(), movie.genre.lower(), movie.rating, movie.year)


class Loader:
    def __init__(
        self,
        conn: psycopg2.extensions.connection,
        source: str,
        run_id: int | None = None,
        batch_size: int = 1000,
        quarantine_out: IO[str] | None = None,
    ):
        self.conn = conn
        self.source = source
        self.run_id = run_id
        self.batch_size = batch_size
        self.quarantine_out = quarantine_out
        self.summary = Summary()
        self._seen: set[Identity] = set()
        self._batch: list[tuple[Movie, str, str, bool]] = []  # (record, file id, version, seen before)
        self._files: list[tuple[str, str, str, str, str | None]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-write")
        self._pending: Future[None] | None = None

    def add_file(self, item: SourceFile, content: bytes) -> None:
        try:
            movies = parse(content)
        except Rejected as exc:
            self.quarantine(item, str(exc))
            return
        for movie in movies:
            key = _identity(movie)
            repeat = key in self._seen
            if repeat:  # counted once, but still linked to this file too
                self.summary.duplicates_in_run += 1
            self._seen.add(key)
            self._batch.append((movie, item.file_id, item.modified, repeat))
        self._files.append((item.file_id, item.modified, item.path, "loaded", None))
        self.summary.files_loaded += 1
        if len(self._batch) >= self.batch_size:
            self.flush()

    def quarantine(self, item: SourceFile, reason: str) -> None:
        entry = {"fileId": item.file_id, "path": item.path, "reason": reason}
        self.summary.quarantined += 1
        self.summary.quarantine.append(entry)
        self._files.append((item.file_id, item.modified, item.path, "quarantined", reason))
        if self.quarantine_out:
            self.quarantine_out.write(json.dumps(entry) + "\n")
            self.quarantine_out.flush()

    def fail(self, item: SourceFile, reason: str) -> None:
        """Could not be fetched: not checkpointed, so the next run tries again."""
        self.summary.failed += 1
        self.summary.failures.append({"fileId": item.file_id, "path": item.path, "reason": reason})

    def flush(self, wait: bool = False) -> None:
        """Write the batch (rows and its files' checkpoint in one transaction).

        The write runs in the background while the next batch is read and parsed; one at a time, and
        a failure surfaces on the next flush or on finish().
        """
        self._wait()
        if self._batch or self._files:
            batch, files = self._batch, self._files
            self._batch, self._files = [], []
            self._pending = self._writer.submit(self._write, batch, files)
        if wait:
            self._wait()

    def finish(self) -> None:
        self.flush(wait=True)
        self._writer.shutdown()

    def abandon(self) -> None:
        """After a failure: let an in-flight write end (it commits or rolls back whole) before the
        connection is used again; its own error, if any, is already logged by the caller's."""
        pending, self._pending = self._pending, None
        if pending is not None:
            wait([pending])
        self._writer.shutdown()

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write(self, batch: list[tuple[Movie, str, str, bool]], files: list[tuple[str, str, str, str, str | None]]) -> None:
        with self.conn, self.conn.cursor() as cur:
            if batch:
                store.stage_movies(cur, ((*m.as_row(), f, v, r) for m, f, v, r in batch))
                self._suppressed(store.drop_suppressed(cur, self.source), files)
                distinct, inserted = store.insert_staged(cur, self.source)
                self.summary.movies_new += inserted
                self.summary.movies_already_present += distinct - inserted
            if self.run_id is not None and files:
                store.record_files(cur, self.source, self.run_id, files)

    def _suppressed(self, dropped: list[tuple[str, str]], files: list[tuple[str, str, str, str, str | None]]) -> None:
        paths = {(f, m): p for f, m, p, _o, _r in files}
        for file_id, version in dropped:
            self.summary.suppressed += 1
            self.summary.suppressed_files.append(
                {"fileId": file_id, "version": version, "path": paths.get((file_id, version), "")}
            )
