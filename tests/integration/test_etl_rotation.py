"""Issue 12: the ETL survives a rotation of the database password mid-run: it reconnects with the secret's new
value and resumes from its checkpoint, downloading nothing it had already loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2

from tests import rotation
from tests.conftest import reset_library, wait_for
from tests.integration.test_etl import _big_drive, _checkpointed, _titles

ROOT = Path(__file__).resolve().parents[2]
ROLE = "rotating_etl"


def test_a_rotation_mid_run_reconnects_and_resumes_from_the_checkpoint(stack, db, tmp_path: Path) -> None:
    drive, top, expected = _big_drive(300)
    endpoint = drive.start()
    creds = tmp_path / "token.json"
    creds.write_text(json.dumps(drive.user_credentials()))
    reset_library(stack, None)
    try:
        with rotation.secret_login(stack, db, ROLE) as (arn, login_env):
            env = (
                {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
                | login_env
                | {
                    "DRIVE_API_ENDPOINT": endpoint,
                    "DRIVE_TOKEN_URI": drive.token_uri,
                    "DRIVE_CREDENTIALS_FILE": str(creds),
                    "DRIVE_BACKOFF_SECONDS": "0.01",
                    "ETL_LEASE_SECONDS": "3",
                    "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
                }
            )
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "etl_task",
                    "--source",
                    "drive",
                    "--folder-id",
                    top,
                    "--batch-size",
                    "10",
                    "--concurrency",
                    "4",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            wait_for(lambda: len(_checkpointed(stack)) >= len(expected) // 4 or proc.poll() is not None, timeout=120)
            assert proc.poll() is None, "the run ended before the rotation: make the library bigger"

            # The rotation, then what a failover or a recycled connection does: the run's connections are gone.
            rotation.rotate(db, arn, ROLE, "second-Pass-2")
            done_before = _checkpointed(stack)
            drive.downloads.clear()
            assert rotation.drop_connections(db, ROLE) >= 1

            out, err = proc.communicate(timeout=180)
    finally:
        drive.stop()
    assert proc.returncode == 0, out + err
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    reconnects = [e for e in events if e.get("event") == "etl_reconnecting"]
    assert reconnects and reconnects[0]["attempt"] == 1, out
    assert events[-1]["event"] == "etl_summary" and events[-1]["files_skipped"] >= len(done_before)
    assert not done_before & set(drive.downloads), "files loaded before the rotation were downloaded again"
    rows = {(t, g, float(r), y) for t, g, r, y in _titles(stack)}
    assert rows == expected
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM etl_runs ORDER BY id")
        assert [r[0] for r in cur.fetchall()][-1] == "succeeded"
    conn.close()
