"""One ETL run: list the source, skip checkpointed files, download concurrently, validate, load in batches."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import IO

import psycopg2
import psycopg2.extensions

from etl_task.loader import Loader, Summary
from etl_task.progress import Progress
from etl_task.records import MAX_FILE_BYTES
from etl_task.sources import Source, SourceFile
from shared import repository

log = logging.getLogger("etl")


class Run:
    def __init__(self, conn: psycopg2.extensions.connection, source: Source, *, batch_size: int = 1000,
                 concurrency: int = 10, full: bool = False, quarantine_out: IO[str] | None = None,
                 progress: Progress | None = None):
        self.conn, self.source = conn, source
        self.batch_size, self.concurrency, self.full = batch_size, concurrency, full
        self.quarantine_out = quarantine_out
        self.progress = progress
        self.stop_requested = threading.Event()  # set by SIGTERM: finish the current batch and stop

    def _fetch(self, item: SourceFile) -> bytes:
        return self.source.fetch(item)

    def execute(self) -> Summary:
        started = time.monotonic()
        with self.conn, self.conn.cursor() as cur:
            run_id = repository.start_etl_run(cur, self.source.name)
            done = set() if self.full else repository.checkpointed_files(cur, self.source.name)
        loader = Loader(self.conn, self.source.name, run_id, self.batch_size, self.quarantine_out)
        summary = loader.summary
        listed = 0
        status = "failed"
        try:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fetch") as pool:
                pending: dict[Future, SourceFile] = {}

                def drain(block_until: int) -> None:
                    while len(pending) > block_until:
                        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                        for future in finished:
                            item = pending.pop(future)
                            if future.cancelled():  # stopping: left for the next run
                                continue
                            error = future.exception()
                            if error is not None:
                                loader.fail(item, str(error))
                            else:
                                loader.add_file(item, future.result())
                        if self.progress:
                            self.progress.update(summary, listed)

                for item in self.source.list_files():
                    if self.stop_requested.is_set():
                        break
                    listed += 1
                    summary.files_seen += 1
                    if (item.file_id, item.modified) in done:
                        summary.files_skipped += 1
                        continue
                    if item.size is not None and item.size > MAX_FILE_BYTES:
                        loader.quarantine(item, f"file is larger than {MAX_FILE_BYTES} bytes")  # not downloaded
                        continue
                    if not self.source.remote:  # a local read is cheaper than handing it to a thread
                        try:
                            loader.add_file(item, self._fetch(item))
                        except OSError as exc:
                            loader.fail(item, str(exc))
                        if self.progress:
                            self.progress.update(summary, listed)
                        continue
                    pending[pool.submit(self._fetch, item)] = item
                    drain(self.concurrency * 4)
                if self.stop_requested.is_set():
                    for future in pending:
                        future.cancel()
                drain(0)
            loader.finish()
            status = "interrupted" if self.stop_requested.is_set() else "finished"
            summary.interrupted = self.stop_requested.is_set()
        finally:
            loader.abandon()  # no-op after finish(); after a failure, waits for an in-flight write
            summary.seconds = time.monotonic() - started
            if self.progress:
                self.progress.update(summary, listed)
                self.progress.close()
            try:
                self.conn.rollback()
                with self.conn, self.conn.cursor() as cur:
                    repository.finish_etl_run(cur, run_id, status, summary.report())
            except psycopg2.Error as exc:  # the database went away: the run stays 'running', the data is safe
                log.warning("could not record the end of run %s: %s", run_id, exc)
        return summary
