"""etlProgress / etlFinished messages from the ETL task to every open WebSocket.

The task writes each message as an item of the ETL events table (it reaches DynamoDB from its
network); the notifier Lambda, outside the VPC, reads the table's stream and posts to @connections.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from data import connections
from domain.messages import EtlMessage
from logic import notifications

MESSAGE_TYPES = ("etlProgress", "etlFinished")


def is_etl_event(keys: Mapping[str, Any]) -> bool:
    """A stream record's keys are of the ETL events table (its items have a runId and a seq)."""
    return "runId" in keys and "seq" in keys


def message_of(image: Mapping[str, Any]) -> EtlMessage | None:
    """The message an ETL events item carries (a JSON string), if it is one the UI knows."""
    raw = image.get("message")
    if not isinstance(raw, str) or not raw:
        return None
    message = json.loads(raw)
    return cast(EtlMessage, message) if isinstance(message, dict) and message.get("type") in MESSAGE_TYPES else None


# What every socket hears of a run: its state and counts. Anything else (the source: Drive folder id or local
# path) only librarians' sockets get (issue 24, review 3).
FOR_EVERYONE = frozenset(
    {
        "type",
        "runId",
        "seq",
        "mode",
        "phase",
        "counts",
        "filesQueued",
        "filesPerSecond",
        "etaSeconds",
        "elapsedSeconds",
        "state",
        "libraryChanged",
    }
)


def for_members(message: EtlMessage) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k in FOR_EVERYONE}


def broadcast(message: EtlMessage) -> dict[str, int]:
    """Post to every connected user whose token has not expired: the whole message to librarians' sockets,
    the counts and state to everyone else's; one parallel, time-budgeted fan-out for both."""
    full, plain = json.dumps(message).encode(), json.dumps(for_members(message)).encode()
    targets = [(c, full) for c in connections.listeners("librarians")]
    targets += [(c, plain) for c in connections.listeners("members")]
    return notifications.post_each(targets)
