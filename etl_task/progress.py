"""Progress on long runs: a bar on a terminal, structured JSON log lines elsewhere (ECS, CI)."""

from __future__ import annotations

import json
import sys
import time
from typing import IO, TYPE_CHECKING, NoReturn

from etl_task.loader import Summary

if TYPE_CHECKING:
    from tqdm import tqdm


class Progress:
    def __init__(self, interval: float = 5.0, stream: IO[str] | None = None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval
        self.started = time.monotonic()
        self._last = self.started
        self._bar: tqdm[NoReturn] | None = None  # a bar without an iterable
        self.total: int | None = None

    def update(self, summary: Summary, total_known: int) -> None:
        done = summary.files_loaded + summary.quarantined + summary.failed
        if self.tty:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(unit="file", desc="loading", file=self.stream, dynamic_ncols=True)
            self._bar.total = total_known
            self._bar.n = done
            self._bar.set_postfix(new=summary.movies_new, quarantined=summary.quarantined, failed=summary.failed, refresh=False)
            self._bar.refresh()
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        elapsed = now - self.started
        self.stream.write(
            json.dumps(
                {
                    "event": "etl_progress",
                    "files_listed": total_known,
                    "files_done": done,
                    "files_skipped": summary.files_skipped,
                    "movies_new": summary.movies_new,
                    "quarantined": summary.quarantined,
                    "failed": summary.failed,
                    "files_per_second": round(done / elapsed, 1) if elapsed else 0.0,
                    "elapsed_seconds": round(elapsed, 1),
                }
            )
            + "\n"
        )
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
