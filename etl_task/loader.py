"""Load movie files into PostgreSQL in batches: COPY into staging, then one INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Protocol

import psycopg2.extensions

from etl_task.records import Movie, Rejected, parse
from etl_task.sources import SourceFile
from shared import repository


class Source(Protocol):
    def list_files(self) -> Iterable[SourceFile]: ...
    def fetch(self, item: SourceFile) -> bytes: ...


@dataclass
class Summary:
    files_seen: int = 0
    files_loaded: int = 0
    movies_new: int = 0
    movies_already_present: int = 0
    duplicates_in_run: int = 0
    quarantined: int = 0
    failed: int = 0
    seconds: float = 0.0
    quarantine: list[dict] = field(default_factory=list, repr=False)

    def report(self) -> dict:
        data = asdict(self)
        data.pop("quarantine")
        data["seconds"] = round(self.seconds, 3)
        return data


def _identity(movie: Movie) -> tuple:
    return (movie.title.lower(), movie.genre.lower(), movie.rating, movie.year)


class Loader:
    def __init__(self, conn: psycopg2.extensions.connection, batch_size: int = 1000,
                 quarantine_out: IO[str] | None = None):
        self.conn = conn
        self.batch_size = batch_size
        self.quarantine_out = quarantine_out
        self.summary = Summary()
        self._seen: set[tuple] = set()
        self._batch: list[Movie] = []

    def add_file(self, item: SourceFile, content: bytes) -> None:
        self.summary.files_seen += 1
        try:
            movies = parse(content)
        except Rejected as exc:
            self.quarantine(item, str(exc))
            return
        for movie in movies:
            key = _identity(movie)
            if key in self._seen:
                self.summary.duplicates_in_run += 1
                continue
            self._seen.add(key)
            self._batch.append(movie)
        self.summary.files_loaded += 1
        if len(self._batch) >= self.batch_size:
            self.flush()

    def quarantine(self, item: SourceFile, reason: str) -> None:
        entry = {"fileId": item.file_id, "path": item.path, "reason": reason}
        self.summary.quarantined += 1
        self.summary.quarantine.append(entry)
        if self.quarantine_out:
            self.quarantine_out.write(json.dumps(entry) + "\n")

    def flush(self) -> None:
        if not self._batch:
            return
        with self.conn, self.conn.cursor() as cur:
            repository.stage_movies(cur, (m.as_row() for m in self._batch))
            distinct, inserted = repository.insert_staged(cur)
        self.summary.movies_new += inserted
        self.summary.movies_already_present += distinct - inserted
        self._batch.clear()


def load(conn: psycopg2.extensions.connection, source: Source, batch_size: int = 1000,
         quarantine_out: IO[str] | None = None) -> Summary:
    started = time.monotonic()
    loader = Loader(conn, batch_size, quarantine_out)
    for item in source.list_files():
        loader.add_file(item, source.fetch(item))
    loader.flush()
    loader.summary.seconds = time.monotonic() - started
    return loader.summary
