"""What keeping the dashboard's aggregates costs the ETL: the same library loaded with the aggregate
triggers and without them, alternately, in one run (issue 15's goal: at most 10% slower)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg2

from bench.etl_bench import ours, write_library
from etl_task.sources import FolderSource

FILES = int(os.environ.get("BENCH_AGGREGATE_FILES", "50000"))
ROUNDS = int(os.environ.get("BENCH_AGGREGATE_ROUNDS", "3"))
TRIGGER = "movies_aggregates_insert"


def _set_trigger(dsn: str, enabled: bool) -> None:
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE movies {'ENABLE' if enabled else 'DISABLE'} TRIGGER {TRIGGER}")
    conn.close()


def run(stack, report) -> None:
    folder = Path(stack.pg.data_dir).parent / "aggregate-library"
    write_library(folder, FILES)
    rates: dict[bool, list[float]] = {True: [], False: []}
    try:
        for _ in range(ROUNDS):
            for enabled in (False, True):
                _set_trigger(stack.database_url, enabled)
                rate, summary = ours(stack.database_url, FolderSource(folder))
                assert summary.movies_new == FILES, summary.report()
                rates[enabled].append(rate)
    finally:
        _set_trigger(stack.database_url, True)
        shutil.rmtree(folder, ignore_errors=True)
    with_, without = max(rates[True]), max(rates[False])
    cost = (1 - with_ / without) * 100
    verdict = "met" if cost <= 10 else "not met"
    said = f"{cost:.1f}% slower" if cost >= 0 else f"{-cost:.1f}% faster (no measurable cost)"
    report.table(
        f"ETL with the dashboard aggregate triggers ({FILES:,} files, best of {ROUNDS} alternating runs)",
        [
            ("without the triggers", f"{without:,.0f}", "-"),
            (
                "with the triggers (statement-level, transition tables)",
                f"{with_:,.0f}",
                f"{said} (goal: at most 10% slower; {verdict})",
            ),
        ],
        ("run", "files/s", "cost"),
    )
