"""An ETL run announces libraryChanged while it runs (issue 22), not only at its end: each etlProgress the
task sends after rows changed says so, and the notifier turns it into one "synced" change."""

from __future__ import annotations

from typing import Any

from etl_task.live import Throttled
from logic.library_live import etl_changes


def _message(kind: str, new: int = 0, removed: int = 0) -> Any:
    return {
        "type": kind,
        "runId": "7",
        "source": "drive:x",
        "mode": "walk",
        "phase": "loading",
        "counts": {"moviesNew": new, "removed": removed, "replaced": 0},
        "filesQueued": 1,
        "filesPerSecond": 1.0,
        "etaSeconds": None,
        "elapsedSeconds": 1.0,
    }


def test_progress_after_changed_rows_is_a_library_change_and_unchanged_progress_is_not() -> None:
    sent: list[Any] = []
    throttled = Throttled(sent.append, interval=0.0)  # every message passes: the interval is live.py's concern
    throttled(_message("etlProgress"))
    throttled(_message("etlProgress", new=5))
    throttled(_message("etlProgress", new=5))  # nothing new since the last one sent
    throttled(_message("etlProgress", new=5, removed=1))
    assert [m["libraryChanged"] for m in sent] == [False, True, False, True]
    assert [etl_changes(m) for m in sent] == [[], [{"action": "synced", "runId": "7"}], [], [{"action": "synced", "runId": "7"}]]


def test_a_throttled_message_does_not_lose_the_change_it_carried() -> None:
    sent: list[Any] = []
    throttled = Throttled(sent.append, interval=3600.0)
    throttled(_message("etlProgress"))
    throttled(_message("etlProgress", new=3))  # dropped by the interval
    throttled(_message("etlFinished", new=3))
    assert len(sent) == 2 and etl_changes(sent[1]) == [{"action": "synced", "runId": "7"}]


def test_a_run_that_only_removed_rows_is_announced_at_its_end() -> None:
    assert etl_changes(_message("etlFinished", removed=2)) == [{"action": "synced", "runId": "7"}]
    assert etl_changes(_message("etlFinished")) == []
