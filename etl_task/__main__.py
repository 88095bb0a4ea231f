"""The ETL task: load movie JSON files from a Google Drive folder or a local folder into PostgreSQL.

Configuration comes from the environment (the ECS task definition sets it); flags override it.
Modes: a full run (--full) downloads every file; otherwise a walk lists every file and downloads only
new or changed ones (by md5Checksum, else headRevisionId), and with a user token the next runs read
Drive's changes feed instead, walking again every ETL_WALK_EVERY runs or when the feed fails.
The library mirrors the source: each movie row remembers the file versions it came from; a row no
file backs any more is removed (unless a user added it through the API), and a run that would remove
more than ETL_MAX_DELETE_SHARE of the library or ETL_MAX_DELETE_ROWS rows removes none and ends
"held" until a run with --allow-deletions.
One run at a time: a run that finds another holding the lease says so and exits 0.
Exit codes: 0 finished (quarantined files included, or held), stopped by SIGTERM after its batch, or
another run is active; 2 some files could not be downloaded (rerun to retry just those); 1 a fatal error
(including a walk that found no files at all, unless --allow-empty).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from contextlib import nullcontext
from typing import IO

import psycopg2
import psycopg2.extensions

from data import config, db, schema
from data.faults import is_transient
from etl_task import live, metrics, settings
from etl_task.loader import Summary
from etl_task.pipeline import LeaseHeld, Run
from etl_task.progress import Progress
from etl_task.sources import FolderSource, Source

log = logging.getLogger("etl")


def _source(args: argparse.Namespace) -> Source:
    if args.source == "folder":
        if not args.folder:
            raise SystemExit("--folder (or ETL_FOLDER) is required for the folder source")
        return FolderSource(args.folder)
    from etl_task.drive import DEFAULT_REQUESTS_PER_SECOND, DriveSource, load_credentials

    if not args.folder_id:
        raise SystemExit("--folder-id (or DRIVE_FOLDER_ID) is required for the drive source")
    env = settings.current()
    return DriveSource(
        args.folder_id,
        load_credentials(),
        api_endpoint=env.drive_api_endpoint,
        requests_per_second=env.drive_requests_per_second or DEFAULT_REQUESTS_PER_SECOND,
        backoff_base=env.drive_backoff_seconds,
        max_tries=env.drive_max_tries,
        resource_key=env.drive_folder_resource_key,
    )


def _check(args: argparse.Namespace) -> int:
    """--check: can the credentials read the root folder? (a preflight; loads nothing, needs no database)"""
    try:
        source = _source(args)
        root = source.preflight() if hasattr(source, "preflight") else {"name": source.name}
    except Exception as exc:
        print(json.dumps({"event": "etl_check_failed", "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(json.dumps({"event": "etl_check_ok", "source": source.name, "root": root.get("name")}), flush=True)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = settings.current()
    parser = argparse.ArgumentParser(prog="etl_task", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", choices=["folder", "drive"], default=env.source)
    parser.add_argument("--folder", default=env.folder, help="local folder of *.json files")
    parser.add_argument("--folder-id", default=env.folder_id, help="Google Drive folder id")
    parser.add_argument(
        "--check", action="store_true", help="only check that the credentials can read the root folder (a preflight), then exit"
    )
    parser.add_argument("--full", action="store_true", help="ignore the checkpoint and download every file again")
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        default=env.allow_empty,
        help="a walk that finds no files succeeds (otherwise it is an error: wrong folder or no share)",
    )
    parser.add_argument(
        "--allow-deletions",
        action="store_true",
        default=env.allow_deletions,
        help="apply removals even beyond the limits below (after a run that was held)",
    )
    parser.add_argument(
        "--max-delete-share",
        type=float,
        default=env.max_delete_share,
        help="a run that would remove more than this share of the library removes none (held)",
    )
    parser.add_argument(
        "--max-delete-rows",
        type=int,
        default=env.max_delete_rows,
        help="a run that would remove more than this many movies removes none (held)",
    )
    parser.add_argument(
        "--walk-every", type=int, default=env.walk_every, help="with the changes feed, still walk the whole tree every Nth run"
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=env.lease_seconds,
        help="how long a run's lease lasts without renewal (it renews every third of it)",
    )
    parser.add_argument("--batch-size", type=int, default=env.batch_size)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=env.concurrency,
        help="parallel downloads; DRIVE_REQUESTS_PER_SECOND (default 150) caps the rate for Drive's"
        " per-project and per-user quotas",
    )
    parser.add_argument(
        "--quarantine", default=env.quarantine_file, help="also write the quarantine report (JSON Lines) to this file"
    )
    parser.add_argument(
        "--reconnects",
        type=int,
        default=env.reconnects,
        help="how often a run reconnects and resumes after losing its database connection",
    )
    parser.add_argument("--progress-interval", type=float, default=env.progress_seconds)
    return parser.parse_args(argv)


def _connect() -> psycopg2.extensions.connection:
    # data.db.connect: an IAM token as movie_etl in AWS (a fresh one per connection); a rotated secret is re-read.
    return db.connect(connect_timeout=10, application_name="movie-etl")


def _require_current_schema(conn: psycopg2.extensions.connection) -> None:
    """The ETL logs in as movie_etl (DML on its tables, no DDL): migrations are the deploy's job (the SchemaMigration
    custom resource, which the task definition waits for; locally the stack applies them when it starts)."""
    behind = schema.missing(conn)
    if behind:
        raise RuntimeError(f"the database lacks migrations {', '.join(behind)}: deploy (or start the local stack) first")


def _execute(args: argparse.Namespace, source: Source, out: IO[str] | None) -> Summary:
    """Run, and when the database connection is lost mid-run (a failover, a restart, connections dropped
    after a secret login's password rotated) reconnect and run again: the checkpoint makes the rerun skip every
    batch already committed, so a long load survives what would otherwise end it. A --full run starts
    over (it ignores the checkpoint by definition)."""
    holder, attempt = None, 0
    while True:
        conn = run = None
        try:
            conn = _connect()
            if attempt == 0:
                _require_current_schema(conn)
            run = Run(
                conn,
                source,
                batch_size=args.batch_size,
                concurrency=args.concurrency,
                full=args.full,
                quarantine_out=out,
                progress=Progress(args.progress_interval),
                allow_empty=args.allow_empty,
                walk_every=args.walk_every,
                lease_seconds=args.lease_seconds,
                live=live.publisher(),
                allow_deletions=args.allow_deletions,
                max_delete_share=args.max_delete_share,
                max_delete_rows=args.max_delete_rows,
            )
            if holder:
                run.holder = holder  # the lease we held before the connection broke is ours to take back
            holder = run.holder
            signal.signal(signal.SIGTERM, lambda *_, r=run: r.stop_requested.set())  # ECS stops tasks with SIGTERM
            return run.execute()
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            stopped = run is not None and run.stop_requested.is_set()
            if attempt >= args.reconnects or stopped or not is_transient(exc):
                raise
            attempt += 1
            delay = min(30.0, 2.0**attempt)
            print(
                json.dumps(
                    {
                        "event": "etl_reconnecting",
                        "attempt": attempt,
                        "of": args.reconnects,
                        "inSeconds": delay,
                        "error": f"{type(exc).__name__}: {str(exc).strip()}",
                    }
                ),
                flush=True,
            )
            config.forget_secrets()
            time.sleep(delay)
        finally:
            if conn is not None:
                conn.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=settings.current().log_level, format="%(message)s")  # settings validated first
    args = parse_args(argv)
    if args.check:
        return _check(args)
    try:
        source = _source(args)
        _connect().close()  # fail fast, before any work, when the database cannot be reached at all
    except (OSError, ValueError, psycopg2.Error) as exc:
        print(json.dumps(metrics.emf(None, "failed")), flush=True)
        print(json.dumps({"event": "etl_failed", "error": str(exc)}), flush=True)
        return 1
    try:
        with open(args.quarantine, "a") if args.quarantine else nullcontext() as out:
            summary = _execute(args, source, out)
    except LeaseHeld as exc:
        print(json.dumps({"event": "etl_skipped", "reason": str(exc)}), flush=True)
        return 0
    except Exception as exc:
        log.exception("ETL run failed")
        print(json.dumps(metrics.emf(None, "failed")), flush=True)
        print(json.dumps({"event": "etl_failed", "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    for entry in summary.quarantine:
        print(json.dumps({"event": "etl_quarantined", **entry}), flush=True)
    for entry in summary.failures:
        print(json.dumps({"event": "etl_file_failed", **entry}), flush=True)
    for file_id in summary.deleted:  # its rows go unless another file backs them or a user added them
        print(json.dumps({"event": "etl_file_gone", "fileId": file_id}), flush=True)
    for entry in summary.suppressed_files:  # a librarian removed a movie this file version says
        print(json.dumps({"event": "etl_file_suppressed", **entry}), flush=True)
    if summary.held_reason:
        print(json.dumps({"event": "etl_held", "reason": summary.held_reason}), flush=True)
    state = "interrupted" if summary.interrupted else "failed" if summary.failed else "held" if summary.held else "succeeded"
    print(json.dumps(metrics.emf(summary, state)), flush=True)
    print(json.dumps({"event": "etl_summary", "source": source.name, **summary.report()}), flush=True)
    return 2 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
