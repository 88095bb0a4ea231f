"""#24 (review 7): a broadcast posts in parallel with a bound and gives up on slow posts after a time budget,
so one user's many (or stuck) sockets cannot make everyone's notifications time out."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from logic import notifications


class _Api:
    """@connections where each post waits at a barrier: only posts in flight together get through."""

    def __init__(self, together: int, stuck: set[str] | None = None):
        self.barrier = threading.Barrier(together, timeout=20)
        self.stuck, self.release = stuck or set(), threading.Event()
        self.lock, self.in_flight, self.most = threading.Lock(), 0, 0

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803 - boto3's names
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            if ConnectionId in self.stuck:
                self.release.wait(30)
                return
            self.barrier.wait()
        finally:
            with self.lock:
                self.in_flight -= 1


def _message() -> Any:
    return {"type": "etlProgress", "runId": "1", "at": "2026-12-03T00:00:00Z"}


def test_posts_are_in_flight_together_within_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    api = _Api(together=4)
    monkeypatch.setattr(notifications, "_api", lambda: api)
    ids = [f"c{i}" for i in range(8)]
    assert notifications.post(ids, _message(), workers=4) == {"sent": 8, "gone": 0}
    assert api.most == 4, "more posts in flight than the bound"


def test_a_stuck_post_is_left_behind_after_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    api = _Api(together=2, stuck={"stuck"})
    monkeypatch.setattr(notifications, "_api", lambda: api)
    try:
        result = notifications.post(["stuck", "a", "b"], _message(), workers=3, budget=2.0)
    finally:
        api.release.set()
    assert result == {"sent": 2, "gone": 0, "late": 1}
