"""Live run progress for the UI: etlProgress / etlFinished messages, at most one every few seconds,
written as items to a DynamoDB table (ETL_EVENTS_TABLE) whose stream the notifier Lambda reads and
fans out to every open WebSocket. The task reaches DynamoDB from its public subnet (or a gateway
endpoint); the notifier, outside the VPC, reaches the @connections API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from domain.messages import EtlMessage
from etl_task import settings

TTL_SECONDS = 24 * 3600  # the items only carry messages; the run history is in PostgreSQL

Message = EtlMessage  # an etlProgress / etlFinished WebSocket message (JSON)

# The counts that mean the library's rows changed (etl_runs columns, camelCased by the pipeline).
CHANGED_ROWS = ("moviesNew", "removed", "replaced")


def changed_rows(message: Message) -> int:
    counts = message.get("counts") or {}
    return sum(int(counts.get(k) or 0) for k in CHANGED_ROWS)


class Throttled:
    """Passes on the first message, then at most one per interval; etlFinished always goes. An etlProgress
    sent after rows changed says so (libraryChanged), so open pages refresh while a long run goes on: at
    most once per interval."""

    def __init__(self, send: Callable[[Message], None], interval: float):
        self.send, self.interval = send, interval
        self._last = float("-inf")
        self._lock = threading.Lock()
        self._seq = 0
        self._rows = 0  # changed rows as of the last message sent

    def __call__(self, message: Message) -> None:
        now = time.monotonic()
        with self._lock:
            if message["type"] != "etlFinished" and now - self._last < self.interval:
                return
            self._last = now
            self._seq += 1
            seq = self._seq
            rows, before = changed_rows(message), self._rows
            self._rows = rows
        out: Message = {**message, "seq": seq}
        if message["type"] == "etlProgress":
            out["libraryChanged"] = rows > before
        self.send(out)


def dynamodb_sender(table_name: str) -> Callable[[Message], None]:
    import boto3

    table = boto3.resource("dynamodb").Table(table_name)

    def send(message: Message) -> None:
        item: dict[str, Any] = {
            "runId": message["runId"],
            "seq": message["seq"],
            "message": json.dumps(message),
            "expiresAt": int(time.time()) + TTL_SECONDS,
        }
        table.put_item(Item={k: Decimal(v) if isinstance(v, float) else v for k, v in item.items()})

    return send


def publisher() -> Callable[[Message], None] | None:
    """From the environment: ETL_EVENTS_TABLE (unset: no live messages), ETL_LIVE_SECONDS (default 3)."""
    env = settings.current()
    if not env.events_table:
        return None
    return Throttled(dynamodb_sender(env.events_table), env.live_seconds)
