"""`libraryChanged`: every change to the library (an add created, an edit, a delete, an ETL run that
changed rows), announced to every open WebSocket (DESIGN §5).

Writers put an item in the library events table (data.library_events); the notifier reads its stream in
batches (a one-second batching window) and posts ONE message per batch to each connection, waiting so
that a connection gets at most one a second from this process. A lost announcement only delays a
refresh (pages also reload on navigation), so announcing never fails the change it describes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from data import connections, library_events, requests_store
from logic import notifications

MIN_INTERVAL = 1.0
MAX_CHANGES = 50  # beyond this a message says only "many" (pages then reload what they show)
_last_sent = 0.0
_lock = threading.Lock()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def announce(changes: list[dict[str, Any]], log: Any = None) -> None:
    """Record a change for the notifier; never raises (the change itself already committed)."""
    if not library_events.enabled() or not changes:
        return
    try:
        library_events.announce(changes, now())
    except Exception:  # a lost announcement only delays other pages' refresh
        if log is not None:
            log.warning("libraryChanged not announced", exc_info=True)


def message(changes: list[dict[str, Any]]) -> dict[str, Any]:
    unique = list({(c["action"], c.get("movieId")): c for c in changes}.values())
    if len(unique) > MAX_CHANGES:
        unique = [{"action": "many"}]
    return {"type": "libraryChanged", "changes": unique, "at": now()}


def broadcast(changes: list[dict[str, Any]]) -> dict[str, int]:
    """One message with every change of the batch to every authorised connection, ≤ 1 a second."""
    global _last_sent
    with _lock:
        wait = _last_sent + MIN_INTERVAL - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # the batch waits; its changes still go out together
        result = notifications.post(connections.all_authorised(), cast(Any, message(changes)))
        _last_sent = time.monotonic()
    return result


def etl_changes(etl_message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An ETL run that changed rows is one change, "synced": at its end, and while it runs each etlProgress
    that says rows changed since the previous one (etl_task/live.Throttled: at most every few seconds)."""
    synced = [{"action": "synced", "runId": str(etl_message.get("runId"))}]
    if etl_message.get("type") == "etlProgress":
        return synced if etl_message.get("libraryChanged") is True else []
    if etl_message.get("type") != "etlFinished":
        return []
    counts: Mapping[str, Any] = etl_message.get("counts") or {}
    # The pipeline names removals "removed" / "replaced" (etl_runs columns); the older names stay accepted.
    changed = any(
        int(counts.get(k) or 0) for k in ("moviesNew", "removed", "replaced", "moviesRemoved", "moviesReplaced", "deletedSeen")
    )
    return synced if changed else []


def added(new_image: Any) -> list[dict[str, Any]]:
    """The change an add request's outcome made: its movie was created."""
    request: Mapping[str, Any] = requests_store.from_stream_image(new_image) or {}
    movie = request.get("movie")
    return [{"action": "added", "movieId": movie.get("id")}] if isinstance(movie, dict) and movie.get("id") else []


def is_library_event(keys: Mapping[str, Any]) -> bool:
    return library_events.is_library_event(keys)


def changes_in(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The library changes of a stream batch (records of the library events table; others are skipped)."""
    changes: list[dict[str, Any]] = []
    for record in event.get("Records", []):
        stream = record.get("dynamodb") or {}
        if not library_events.is_library_event(stream.get("Keys") or {}):
            continue
        image = {k: v.get("S") for k, v in (stream.get("NewImage") or {}).items() if isinstance(v, dict) and "S" in v}
        changes += library_events.changes_of(image)
    return changes
