"""One ETL run: take the lease, pick the mode, list (or read the changes feed), download only new or
changed files concurrently, validate, load in batches, and record the run and what it saw."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import IO, Any

import psycopg2
import psycopg2.extensions

from domain.messages import EtlMessage
from etl_task import store
from etl_task.changes import Tree, feed
from etl_task.loader import Loader, Summary
from etl_task.progress import Progress
from etl_task.records import MAX_FILE_BYTES
from etl_task.sources import Gone, Refused, Source, SourceFile

log = logging.getLogger("etl")
RECORD_SECONDS = 5.0  # how often a running run's counts are written to its etl_runs row
DEFAULT_MAX_DELETE_SHARE = 0.10
DEFAULT_MAX_DELETE_ROWS = 10_000


class EmptyRun(RuntimeError):
    """A walk found no files at all: most likely the wrong folder or a missing share."""


class LeaseHeld(RuntimeError):
    """Another run holds the lease."""


class LeaseLost(RuntimeError):
    """This run's lease expired and another run took it: its final writes are not made."""


class Run:
    # set when the run starts (_execute)
    _started: float
    _recorded: float
    _queued: int
    _feed_check: tuple[Any, str] | None  # (the feed, the saved token) when a walk checks the feed
    _fetched: set[str]  # ids this run downloaded (new or changed)

    def __init__(
        self,
        conn: psycopg2.extensions.connection,
        source: Source,
        *,
        batch_size: int = 1000,
        concurrency: int = 10,
        full: bool = False,
        quarantine_out: IO[str] | None = None,
        progress: Progress | None = None,
        allow_empty: bool = False,
        walk_every: int = 10,
        lease_seconds: float = 60.0,
        live: Callable[[EtlMessage], None] | None = None,
        allow_deletions: bool = False,
        max_delete_share: float = DEFAULT_MAX_DELETE_SHARE,
        max_delete_rows: int = DEFAULT_MAX_DELETE_ROWS,
    ):
        self.conn, self.source = conn, source
        self.batch_size, self.concurrency, self.full = batch_size, concurrency, full
        self.quarantine_out = quarantine_out
        self.progress = progress
        self.allow_empty = allow_empty
        self.walk_every = walk_every  # with the changes feed, still walk every Nth run
        self.lease_seconds = lease_seconds
        self.live = live  # gets etlProgress / etlFinished messages (throttled by its owner)
        # Like rclone's --max-delete: removing more than this share of the library or this many rows holds
        # every removal until a run with allow_deletions.
        self.allow_deletions = allow_deletions
        self.max_delete_share, self.max_delete_rows = max_delete_share, max_delete_rows
        self.stop_requested = threading.Event()  # set by SIGTERM: finish the current batch and stop
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._control: psycopg2.extensions.connection | None = None
        self._control_lock = threading.Lock()
        self._phase = "starting"

    # --- the lease and the run's record, on a connection of their own ---------------------

    def _control_cur(self) -> Any:
        if self._control is None:
            info = self.conn.info
            params: dict[str, Any] = {**info.dsn_parameters, "application_name": "movie-etl-control"}
            if info.password:
                params["password"] = info.password
            self._control = psycopg2.connect(**params)
            self._control.autocommit = True
        return self._control.cursor()

    def _with_control(self, work: Callable[[Any], Any]) -> Any:
        with self._control_lock, self._control_cur() as cur:
            return work(cur)

    def _heartbeat(self, done: threading.Event, run_id: int) -> None:
        while not done.wait(self.lease_seconds / 3):
            try:
                if not self._with_control(lambda c: store.renew_lease(c, self.holder, self.lease_seconds, run_id)):
                    log.error("lost the ETL lease; stopping after this batch")
                    self.stop_requested.set()
            except psycopg2.Error as exc:
                log.warning("could not renew the ETL lease: %s", exc)

    def _choose_mode(self) -> tuple[str, str | None, int]:
        if self.full:
            return "full", None, 0
        if not getattr(self.source, "user_token", False):
            return "walk", None, 0
        token, runs_since_walk = self._with_control(lambda c: store.sync_state(c, self.source.name))
        if token and runs_since_walk + 1 < self.walk_every:
            return "changes", token, runs_since_walk
        return "walk", token, runs_since_walk  # the token lets the walk check that the feed saw what it finds

    # --- the run ----------------------------------------------------------------------------

    def execute(self) -> Summary:
        """Raises LeaseHeld when another run is active (nothing is recorded then)."""
        summary = Summary()
        lease = self._with_control(lambda c: store.acquire_lease(c, self.holder, self.source.name, self.lease_seconds))
        if lease is None:
            held = self._with_control(store.lease_holder) or {}
            self._close_control()
            raise LeaseHeld(
                f"another ETL run holds the lease (run {held.get('run_id')} of {held.get('source')}, "
                f"started {held.get('started_at')}, held until {held.get('expires_at')}); "
                "this one exits without doing anything"
            )
        done = threading.Event()
        try:
            mode, token, runs_since_walk = self._choose_mode()
            summary.linking = bool(self._with_control(lambda c: store.unlinked_files(c, self.source.name)))
            if summary.linking and mode == "changes":  # linking needs every file listed
                mode = "walk"
            summary.mode = mode
            run_id = self._with_control(lambda c: store.start_run(c, self.source.name, mode))
            summary.run_id = run_id
            self._with_control(lambda c: store.renew_lease(c, self.holder, self.lease_seconds, run_id))
            threading.Thread(target=self._heartbeat, args=(done, run_id), daemon=True, name="etl-lease").start()
            self._execute(summary, run_id, token, runs_since_walk)
            return summary
        finally:
            done.set()
            try:
                self._with_control(lambda c: store.release_lease(c, self.holder))
            except psycopg2.Error as exc:
                log.warning("could not release the ETL lease (it expires by itself): %s", exc)
            self._close_control()

    def _close_control(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None

    def _set_phase(self, phase: str, summary: Summary, run_id: int) -> None:
        self._phase = phase
        self._report(summary, run_id, force=True)

    def _report(self, summary: Summary, run_id: int, force: bool = False, finished: str | None = None) -> None:
        if self.progress:
            self.progress.update(summary, summary.files_seen)
        if self.live is None and not force and time.monotonic() - self._recorded < RECORD_SECONDS:
            return
        elapsed = time.monotonic() - self._started
        done = summary.files_downloaded + summary.quarantined
        rate = done / elapsed if elapsed > 0 else 0.0
        remaining = max(0, self._queued - done)
        eta = round(remaining / rate, 1) if rate > 0 and self._phase == "loading" else None
        message: EtlMessage = {
            "type": "etlFinished" if finished else "etlProgress",
            "runId": str(run_id),
            "source": self.source.name,
            "mode": summary.mode,
            "phase": finished or self._phase,
            "counts": {_camel(k): v for k, v in summary.counts().items()},
            "filesQueued": self._queued,
            "filesPerSecond": round(rate, 2),
            "etaSeconds": eta,
            "elapsedSeconds": round(elapsed, 1),
        }
        if finished:
            message["state"] = finished
        if self.live:
            try:
                self.live(message)
            except Exception as exc:  # progress is a courtesy: never fail the run for it
                log.warning("could not publish ETL progress: %s", exc)
        if force or finished or time.monotonic() - self._recorded >= RECORD_SECONDS:
            self._recorded = time.monotonic()
            try:
                self._with_control(lambda c: store.update_progress(c, run_id, self._phase, summary.counts()))
            except psycopg2.Error as exc:
                log.warning("could not record ETL progress: %s", exc)

    def _items(self, summary: Summary, run_id: int, token: str | None) -> tuple[Iterable[SourceFile], Any, str | None]:
        """(files to look at, what the changes feed said gone or None for a walk, token for after a walk)."""
        preflight = getattr(self.source, "preflight", None)
        if preflight:
            self._set_phase("checking", summary, run_id)
            preflight()
        drive = feed(self.source)
        blind = self._with_control(lambda c: store.feed_off(c, self.source.name)) if drive is not None else None
        if blind:
            drive = None
        if drive is None and getattr(self.source, "user_token", False):
            summary.feed_note = blind or getattr(self.source, "feed_reason", None)
            if summary.mode == "changes":
                summary.mode = "walk"
                self._with_control(lambda c: store.set_mode(c, run_id, "walk"))
        if summary.mode == "changes" and token and drive is not None:  # the mode is only chosen for such a source
            self._set_phase("reading changes", summary, run_id)
            folders, targets, linked, shortcuts = self._with_control(lambda c: store.load_tree(c, self.source.name))
            try:
                changes = drive.changes(token, Tree(folders, targets, linked, shortcuts))
                return changes.files, changes, None
            except Exception as exc:  # any failure of the feed: the walk is always right
                log.warning("changes feed unusable (%s); walking the folder instead", exc)
                summary.fallback = f"{type(exc).__name__}: {exc}"
                summary.mode = "walk"
                self._with_control(lambda c: store.set_mode(c, run_id, "walk"))
        # Read the feed's position before walking, so what changes during the walk is seen next time.
        after = drive.start_page_token() if drive is not None else None
        if drive is not None and token and summary.mode == "walk" and not summary.linking:
            self._feed_check = (drive, token)
        self._set_phase("listing", summary, run_id)
        return self.source.list_files(), None, after

    def _feed_report(self, drive: Any, token: str) -> set[str] | None:
        """Safety net: every file id the feed reports since token (None if it cannot be read), so the walk
        can tell whether the feed missed a file it finds changed."""
        try:
            tree = Tree(*self._with_control(lambda c: store.load_tree(c, self.source.name)))
            changes = drive.changes(token, tree)
        except Exception as exc:  # the walk goes on; the next changes run falls back if it is still broken
            log.warning("could not read the changes feed to check it against the walk: %s", exc)
            return None
        seen: set[str] = {f.file_id for f in changes.files} | set(changes.gone)
        return seen

    def _feed_missed(self) -> set[str]:
        """What this walk downloaded that the feed never reported; read after the walk, so a file changed
        while it walked is in the feed too (when the feed works)."""
        if self._feed_check is None or not self._fetched:
            return set()
        tree = getattr(self.source, "tree", None)
        saw = self._feed_report(*self._feed_check)
        if tree is not None:
            self.source.tree = tree  # type: ignore[attr-defined]  # reading the feed replaced the walk's tree
        return self._fetched - saw if saw is not None else set()

    def _execute(self, summary: Summary, run_id: int, token: str | None, runs_since_walk: int) -> None:
        self._started = self._recorded = time.monotonic()
        self._queued = 0
        self._feed_check = None
        self._fetched = set()
        versions, present, gone_before = self._with_control(lambda c: store.live_files(c, self.source.name))
        loader = Loader(self.conn, self.source.name, run_id, self.batch_size, self.quarantine_out)
        loader.summary = summary
        listed: dict[str, str] = {}  # file id -> version listed
        status, error = "failed", None
        try:
            items, changes, after_walk = self._items(summary, run_id, token)
            self._load(items, summary, loader, listed, versions, run_id)
            loader.finish()
            if self.stop_requested.is_set():
                summary.interrupted = True
                status = "interrupted"
            else:
                self._settle(summary, run_id, changes, after_walk, listed, present, gone_before, runs_since_walk)
                status = "failed" if summary.failed else "held" if summary.held else "succeeded"
                if summary.failed:
                    error = f"{summary.failed} file(s) could not be downloaded; the next run tries them again"
                elif summary.held:
                    error = summary.held_reason
        except LeaseLost as exc:
            summary.interrupted = True
            status, error = "interrupted", str(exc)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            loader.abandon()  # no-op after finish(); after a failure, waits for an in-flight write
            summary.seconds = time.monotonic() - self._started
            if self.progress:
                self.progress.update(summary, summary.files_seen)
                self.progress.close()
            try:
                self.conn.rollback()
                entries = [("quarantined", q["fileId"], q["path"], q["reason"]) for q in summary.quarantine]
                entries += [("failed", f["fileId"], f["path"], f["reason"]) for f in summary.failures]

                def finish(cur: Any) -> None:
                    store.record_run_files(cur, run_id, 1, entries)
                    store.finish_run(cur, run_id, status, summary.counts(), summary.report(), error)

                self._with_control(lambda cur: _in_transaction(cur, finish))
            except psycopg2.Error as exc:  # the database went away: the lease expires, the next run marks it
                log.warning("could not record the end of run %s: %s", run_id, exc)
            self._phase = "finished"
            self._report(summary, run_id, finished=status)

    def _load(
        self,
        items: Iterable[SourceFile],
        summary: Summary,
        loader: Loader,
        listed: dict[str, str],
        versions: set[tuple[str, str]],
        run_id: int,
    ) -> None:
        last_report = 0.0
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fetch") as pool:
            pending: dict[Future[bytes], SourceFile] = {}

            def drain(block_until: int) -> None:
                """Hand finished downloads to the loader; block only while more than block_until are in flight."""
                nonlocal last_report
                while pending:
                    finished: Collection[Future[bytes]] = [f for f in pending if f.done()]
                    if not finished:
                        if len(pending) <= block_until:
                            break
                        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        item = pending.pop(future)
                        if future.cancelled():  # stopping: left for the next run
                            continue
                        error = future.exception()
                        if error is not None:
                            self._unfetched(item, error, loader, listed)
                        else:
                            summary.files_downloaded += 1
                            loader.add_file(item, future.result())
                    if time.monotonic() - last_report >= 0.5:
                        last_report = time.monotonic()
                        self._report(summary, run_id)

            for item in items:
                if self.stop_requested.is_set():
                    break
                if time.monotonic() - last_report >= 0.5:  # a slow listing still reports
                    last_report = time.monotonic()
                    self._report(summary, run_id)
                listed[item.file_id] = item.modified
                summary.files_seen += 1
                if not self.full and (item.file_id, item.modified) in versions:
                    summary.files_skipped += 1
                    continue
                if item.skip_reason:  # known not loadable: quarantined without a download
                    loader.quarantine(item, item.skip_reason)
                    continue
                if item.size is not None and item.size > MAX_FILE_BYTES:
                    loader.quarantine(item, f"file is larger than {MAX_FILE_BYTES} bytes")  # not downloaded
                    continue
                self._queued += 1
                self._fetched.add(item.file_id)
                if not self.source.remote:  # a local read is cheaper than handing it to a thread
                    try:
                        content = self.source.fetch(item)
                        summary.files_downloaded += 1
                        loader.add_file(item, content)
                    except FileNotFoundError as exc:  # removed since it was listed
                        self._unfetched(item, Gone(str(exc)), loader, listed)
                    except OSError as exc:
                        loader.fail(item, str(exc))
                    continue
                pending[pool.submit(self.source.fetch, item)] = item
                drain(self.concurrency * 4)
            self._set_phase("loading", summary, run_id)
            if self.stop_requested.is_set():
                for future in pending:
                    future.cancel()
            drain(0)

    @staticmethod
    def _unfetched(item: SourceFile, error: BaseException, loader: Loader, listed: dict[str, str]) -> None:
        """Gone since listed: as if not listed. Refused for good: quarantined by version. Else failed
        (not checkpointed: the next run tries again)."""
        if isinstance(error, Gone):
            listed.pop(item.file_id, None)
        elif isinstance(error, Refused):
            loader.quarantine(item, str(error))
        else:
            loader.fail(item, str(error))

    def _settle(
        self,
        summary: Summary,
        run_id: int,
        changes: Any,
        after_walk: str | None,
        listed: dict[str, str],
        present: set[str],
        gone_before: set[str],
        runs_since_walk: int,
    ) -> None:
        """After a complete run: what is gone, what came back, which rows no file backs any more (removed,
        unless too many: then held), and where the next run starts. One transaction, under the lease."""
        if changes is None:
            if summary.files_seen == 0 and not self.allow_empty:
                raise EmptyRun(
                    f"{self.source.name} has no movie files at all; if that is expected, pass "
                    "--allow-empty, otherwise check the folder id and that it is shared with the "
                    "ETL's Google account"
                )
            gone = present - set(listed)
            vanished: set[str] = set()
        else:
            vanished = {f.file_id for f in changes.files} - set(listed)  # gone between listing and download
            gone = ((changes.gone | vanished) & present) - set(listed)
        back = set(listed) & gone_before
        summary.deleted_seen = len(gone)
        summary.deleted = sorted(gone)
        tree = getattr(self.source, "tree", None)
        failed = {f["fileId"] for f in summary.failures}
        missed = self._feed_missed()

        def save(cur: Any) -> None:
            if not store.holds_lease(cur, self.holder):
                raise LeaseLost(
                    "the run lost its lease to another run before it could finish; nothing of its end state was written"
                )
            if changes is None:
                store.stale_links_walk(cur, self.source.name, listed, failed)
            else:
                store.stale_links_changes(
                    cur,
                    self.source.name,
                    {k: v for k, v in listed.items() if k not in failed},
                    (changes.gone | vanished) - set(listed),
                )
            removed, replaced, summary.kept_added, total = store.orphans(cur)
            if missed:
                summary.feed_note = (
                    f"the changes feed did not report {len(missed)} file(s) this walk found new or "
                    f"changed (e.g. {sorted(missed)[0]}): it is off for this source, every run walks"
                )
                log.warning("%s", summary.feed_note)
                store.set_feed_off(cur, self.source.name, summary.feed_note)
            walk_next = self._mirror(summary, cur, removed, replaced, total)
            if summary.linking and changes is None:  # every file listed: what is still unlinked is superseded
                store.mark_all_linked(cur, self.source.name)
                summary.unbacked = store.adopt_unbacked(cur, self.source.name)
                walk_next = True
            if gone:
                store.mark_gone(cur, self.source.name, run_id, gone)
            if back:
                store.mark_back(cur, self.source.name, back)
            if tree is not None and getattr(self.source, "user_token", False):
                if summary.failed or walk_next:  # the feed would not list them again: walk next time
                    store.save_sync_state(cur, self.source.name, None, 0)
                elif changes is not None:
                    store.save_sync_state(cur, self.source.name, changes.token, runs_since_walk + 1)
                else:
                    store.save_sync_state(cur, self.source.name, after_walk, 0)
                store.save_tree(cur, self.source.name, tree)

        self._with_control(lambda cur: _in_transaction(cur, save))

    def _mirror(self, summary: Summary, cur: Any, removed: int, replaced: int, total: int) -> bool:
        """Remove the rows no file backs any more, unless this is the first run with provenance or there
        are too many; True when the removals wait (the next run then walks, to find them again)."""
        rows = removed + replaced
        if not rows:
            return False
        if summary.linking:
            log.info("first run with provenance: %d row(s) no longer backed by a file are left for the next walk", rows)
            return True
        limit = min(self.max_delete_rows, int(self.max_delete_share * total))
        if rows > limit and not self.allow_deletions:
            summary.held = rows
            summary.held_reason = (
                f"held: this run would remove {rows} of {total} movies ({removed} from files gone, {replaced} "
                f"from files changed), more than the limit of {limit} (ETL_MAX_DELETE_SHARE "
                f"{self.max_delete_share:.0%} of the library, ETL_MAX_DELETE_ROWS {self.max_delete_rows}); "
                "nothing was removed. If the folder really lost them, run again with --allow-deletions"
            )
            log.warning("%s", summary.held_reason)
            return True
        store.drop_stale(cur, self.source.name)
        summary.removed, summary.replaced = removed, replaced
        return False


def _in_transaction(cur: Any, work: Callable[[Any], None]) -> None:
    cur.execute("BEGIN")
    try:
        work(cur)
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
