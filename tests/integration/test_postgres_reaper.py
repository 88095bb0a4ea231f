"""A test run killed with SIGKILL leaves its embedded PostgreSQL running; the next run stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg2

from local.postgres import reap_orphans
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import os, sys, time
from pathlib import Path
from local.postgres import EmbeddedPostgres
uri = EmbeddedPostgres(Path(sys.argv[1]) / f"pg-{os.getpid()}").start()
print(uri, flush=True)
time.sleep(600)
"""


def test_servers_of_killed_runs_are_stopped_and_removed(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
    )
    try:
        uri = child.stdout.readline().strip()
        assert uri, "the child could not start PostgreSQL"
        psycopg2.connect(uri).close()
        assert reap_orphans(tmp_path) == []  # its owner still runs: left alone
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        psycopg2.connect(uri).close()  # the killed run's server is still up

        assert reap_orphans(tmp_path) == [tmp_path / f"pg-{child.pid}"]

        def refused() -> bool:
            try:
                psycopg2.connect(uri, connect_timeout=2).close()
            except psycopg2.OperationalError:
                return True
            return False

        wait_for(refused, timeout=10)
        assert not (tmp_path / f"pg-{child.pid}").exists()
    finally:
        child.kill()
        reap_orphans(tmp_path)
