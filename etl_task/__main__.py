"""`python -m etl_task --folder PATH`: load a folder of movie JSON files into DATABASE_URL."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext

import psycopg2

from etl_task.loader import load
from etl_task.sources import FolderSource
from shared import config, migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="etl_task", description=__doc__)
    parser.add_argument("--folder", required=True, help="local folder of *.json movie files")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--quarantine", help="write the quarantine report (JSON Lines) here")
    args = parser.parse_args(argv)

    conn = psycopg2.connect(config.database_dsn())
    try:
        migrate.apply_all(conn)
        with open(args.quarantine, "w") if args.quarantine else nullcontext() as out:
            summary = load(conn, FolderSource(args.folder), args.batch_size, out)
    finally:
        conn.close()
    print(json.dumps({"event": "etl_summary", **summary.report()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
