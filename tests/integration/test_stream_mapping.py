"""The local DynamoDB stream mappings poll as Lambda's do: each shard about 4 times a second (not a busy loop that
keeps an idle stack at 15% of a core), shards listed now and then (DescribeStream allows 10 calls a second), and
MaximumBatchingWindowInSeconds honoured (the notifier's libraryChanged at most about once a second)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from typing import Any

from data import library_events
from local import template
from local.event_sources import SHARD_REFRESH_SECONDS, STREAM_POLL_SECONDS, StreamPoller
from tests.conftest import wait_for


class _Capture:
    """Stands where the Lambda runtime would: keeps every batch the mapping delivers, and when; answers with
    `answers` in turn (an exception is raised, as a function error), then with success."""

    def __init__(self, *answers: Any) -> None:
        self.batches: list[tuple[float, list[dict[str, Any]]]] = []
        self.answers = list(answers)

    def invoke(self, _function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append((time.monotonic(), event["Records"]))
        answer = self.answers.pop(0) if self.answers else {"batchItemFailures": []}
        if isinstance(answer, Exception):
            raise answer
        return answer

    def ours(self, marker: str) -> list[tuple[float, list[dict[str, Any]]]]:
        """The batches holding records of this test (their `at` is its marker)."""
        return [
            (at, mine)
            for at, records in self.batches
            if (mine := [r for r in records if r["dynamodb"]["NewImage"]["at"]["S"] == marker])
        ]


def _mapping(stack: Any, **changes: Any) -> tuple[StreamPoller, _Capture, threading.Event]:
    """The library events table's mapping (the template's, with `changes`), read up to the stream's end."""
    source = next(s for s in template.event_sources() if s.kind == "DynamoDB" and s.resource == "LibraryEventsTable")
    capture, stop = _Capture(), threading.Event()
    poller = StreamPoller(replace(source, **changes), stack.resources, capture, stop)  # type: ignore[arg-type]
    while poller.poll_once():  # earlier tests' records
        pass
    poller.gathered.clear()  # and none of them left waiting in a window (the stream starts at TRIM_HORIZON here)
    capture.batches.clear()
    return poller, capture, stop


def test_an_idle_mapping_polls_each_shard_about_four_times_a_second_and_lists_shards_now_and_then(stack) -> None:
    poller, _capture, stop = _mapping(stack)
    calls: list[str] = []
    poller.streams.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    # Idle polls only: a record some earlier test's work writes meanwhile is read at once, as it should be.
    empty: list[int] = []
    poller.streams.meta.events.register(
        "after-call.dynamodb-streams.GetRecords", lambda parsed, **_: empty.append(1) if not parsed.get("Records") else None
    )
    seconds = 1.5
    poller.start()
    try:
        stop.wait(seconds)  # a rate over a fixed span: a slower machine only polls less
    finally:
        stop.set()
        poller.join(5)
    assert seconds < SHARD_REFRESH_SECONDS
    assert 0 < len(empty) <= seconds / STREAM_POLL_SECONDS + 2, calls
    assert calls.count("DescribeStream") == 0, calls  # listed when the mapping started (in _mapping), not again yet


def test_records_gather_for_the_batching_window_then_arrive_in_one_invocation(stack) -> None:
    window = 2.0
    poller, capture, stop = _mapping(stack, batching_window=window, batch_size=1000)
    marker = f"window-{uuid.uuid4()}"
    poller.start()
    try:
        written = time.monotonic()
        for n in range(3):
            library_events.announce([{"action": "added", "movieId": str(n)}], marker)
        wait_for(lambda: capture.ours(marker), timeout=15)
    finally:
        stop.set()
        poller.join(5)
    [(delivered, records)] = capture.ours(marker)
    assert len(records) == 3
    assert delivered - written >= window  # the window runs from the first record read, after it was written


def test_a_full_batch_is_delivered_without_waiting_for_the_window(stack) -> None:
    poller, capture, stop = _mapping(stack, batching_window=300.0, batch_size=2)
    marker = f"full-{uuid.uuid4()}"
    poller.start()
    try:
        for n in range(2):
            library_events.announce([{"action": "added", "movieId": str(n)}], marker)
        wait_for(lambda: capture.ours(marker), timeout=15)  # well within the 300 s window
    finally:
        stop.set()
        poller.join(5)
    [(_at, records)] = capture.ours(marker)
    assert len(records) == 2


def test_a_full_batch_goes_at_once_and_the_rest_waits_for_a_window_of_its_own(stack) -> None:
    window = 2.0
    poller, capture, stop = _mapping(stack, batching_window=window, batch_size=2)
    marker = f"rest-{uuid.uuid4()}"
    for n in range(3):
        library_events.announce([{"action": "added", "movieId": str(n)}], marker)
    poller.start()
    try:
        wait_for(lambda: len(capture.ours(marker)) == 2, timeout=15)
    finally:
        stop.set()
        poller.join(5)
    [(first_at, first), (rest_at, rest)] = capture.ours(marker)
    assert (len(first), len(rest)) == (2, 1)
    assert rest_at - first_at >= window  # not sent along with the full batch


def test_a_batch_is_retried_as_often_as_the_mapping_says_and_an_unknown_item_fails_it_whole(stack) -> None:
    marker = f"retry-{uuid.uuid4()}"
    poller, capture, _stop = _mapping(stack, batching_window=0.0, max_retries=1)
    unknown = {"batchItemFailures": [{"itemIdentifier": "no-such-sequence-number"}]}
    capture.answers = [unknown, RuntimeError("function error"), RuntimeError("function error")]
    for n in range(2):
        library_events.announce([{"action": "added", "movieId": str(n)}], marker)

    def polled() -> list[tuple[float, list[dict[str, Any]]]]:
        poller.poll_once()  # delivers, retries included, before it returns
        return capture.ours(marker)

    wait_for(polled, timeout=15)
    # Both records in one batch, tried twice (one retry), the unknown identifier retrying all of it; then dropped.
    assert [len(records) for _at, records in capture.ours(marker)] == [2, 2]
    assert len(capture.answers) == 1
