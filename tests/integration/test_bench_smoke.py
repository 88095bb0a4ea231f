"""`make bench` is run by hand and rarely: its sync section broke unseen when migration 0030 added a generated
column (the snapshot's restore inserted into it, after a 14-minute full load). Here it runs at a tiny size on a
database of its own (in the stack's server), so a schema change that breaks it fails `make test` instead."""

from __future__ import annotations

import os
from types import SimpleNamespace

import psycopg2
import pytest
from psycopg2 import sql

from bench import etl_bench
from bench.report import Report
from data import schema


def test_the_sync_benchmark_runs_and_checks_its_goals(stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl_bench, "SYNC_FILES", 120)
    monkeypatch.setattr(etl_bench, "SYNC_FOLDERS", 12)
    monkeypatch.setattr(etl_bench, "SYNC_CHANGES", 10)
    name = f"bench_smoke_{os.getpid()}"
    admin = psycopg2.connect(stack.database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg2.extensions.make_dsn(stack.database_url, dbname=name)
    try:
        conn = psycopg2.connect(url)
        try:
            schema.apply_all(conn)
        finally:
            conn.close()
        report = Report()
        report.section("etl-sync")
        etl_bench.run_sync(SimpleNamespace(database_url=url), report)
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
    text = "\n".join(report.sections["etl-sync"])
    # Both re-syncs leave the library exactly as the folder says (run_sync raises otherwise).
    assert text.count("exact (") == 2 and "full run (120 files, 12 folders)" in text
