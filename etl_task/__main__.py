"""The ETL task: load movie JSON files from a Google Drive folder or a local folder into PostgreSQL.

Configuration comes from the environment (the ECS task definition sets it); flags override it.
Exit codes: 0 finished (quarantined files included) or stopped by SIGTERM after its batch;
2 some files could not be downloaded (rerun to retry just those); 1 a fatal error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from contextlib import nullcontext

import psycopg2

from etl_task.pipeline import Run
from etl_task.progress import Progress
from etl_task.sources import FolderSource, Source
from shared import config, migrate

log = logging.getLogger("etl")


def _source(args: argparse.Namespace) -> Source:
    if args.source == "folder":
        if not args.folder:
            raise SystemExit("--folder (or ETL_FOLDER) is required for the folder source")
        return FolderSource(args.folder)
    from etl_task.drive import DriveSource, load_credentials

    if not args.folder_id:
        raise SystemExit("--folder-id (or DRIVE_FOLDER_ID) is required for the drive source")
    return DriveSource(args.folder_id, load_credentials(), api_endpoint=os.environ.get("DRIVE_API_ENDPOINT") or None,
                       requests_per_second=float(os.environ.get("DRIVE_REQUESTS_PER_SECOND", "200")),
                       backoff_base=float(os.environ.get("DRIVE_BACKOFF_SECONDS", "1.0")),
                       max_tries=int(os.environ.get("DRIVE_MAX_TRIES", "6")))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="etl_task", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", choices=["folder", "drive"], default=env("ETL_SOURCE", "folder"))
    parser.add_argument("--folder", default=env("ETL_FOLDER"), help="local folder of *.json files")
    parser.add_argument("--folder-id", default=env("DRIVE_FOLDER_ID"), help="Google Drive folder id")
    parser.add_argument("--full", action="store_true", help="ignore the checkpoint and look at every file again")
    parser.add_argument("--batch-size", type=int, default=int(env("ETL_BATCH_SIZE", "1000")))
    parser.add_argument("--concurrency", type=int, default=int(env("ETL_CONCURRENCY", "16")),
                        help="parallel downloads; with the rate limit below they keep close to Drive's ~200 requests/s per user")
    parser.add_argument("--quarantine", default=env("ETL_QUARANTINE_FILE"),
                        help="also write the quarantine report (JSON Lines) to this file")
    parser.add_argument("--progress-interval", type=float, default=float(env("ETL_PROGRESS_SECONDS", "5")))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(message)s")
    args = parse_args(argv)
    try:
        source = _source(args)
        conn = psycopg2.connect(config.database_dsn(), connect_timeout=10, application_name="movie-etl")
    except (OSError, ValueError, psycopg2.Error) as exc:
        print(json.dumps({"event": "etl_failed", "error": str(exc)}), flush=True)
        return 1
    try:
        migrate.apply_all(conn)
        with open(args.quarantine, "a") if args.quarantine else nullcontext() as out:
            run = Run(conn, source, batch_size=args.batch_size, concurrency=args.concurrency, full=args.full,
                      quarantine_out=out, progress=Progress(args.progress_interval))
            signal.signal(signal.SIGTERM, lambda *_: run.stop_requested.set())  # ECS stops tasks with SIGTERM
            summary = run.execute()
    except Exception as exc:
        log.exception("ETL run failed")
        print(json.dumps({"event": "etl_failed", "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    finally:
        conn.close()
    for entry in summary.quarantine:
        print(json.dumps({"event": "etl_quarantined", **entry}), flush=True)
    for entry in summary.failures:
        print(json.dumps({"event": "etl_file_failed", **entry}), flush=True)
    print(json.dumps({"event": "etl_summary", "source": source.name, **summary.report()}), flush=True)
    return 2 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
