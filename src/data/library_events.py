"""Changes to the library, written as items of the library events table; its stream feeds the notifier
(outside the VPC), which announces them over the WebSocket API as `libraryChanged` (DESIGN §5).

Writing needs only DynamoDB (reached from the VPC through its gateway endpoint), so the corrections
function and the notifier both announce through it; one stream batches every kind of change.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from data.aws_clients import table
from settings import current

TTL_SECONDS = 3600


def enabled() -> bool:
    return bool(current().library_events_table)


def announce(changes: list[dict[str, Any]], at: str) -> None:
    """One item per announcement: `changes` as [{"action", "movieId"?}]."""
    table(current().need("library_events_table")).put_item(
        Item={
            "changeId": str(uuid.uuid4()),
            "changes": json.dumps(changes),
            "at": at,
            "expiresAt": int(time.time()) + TTL_SECONDS,
        }
    )


def is_library_event(keys: Any) -> bool:
    """A stream record's keys are of the library events table."""
    return "changeId" in keys


def changes_of(image: Any) -> list[dict[str, Any]]:
    raw = image.get("changes") if image else None
    try:
        changes = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return []
    return [c for c in changes if isinstance(c, dict) and isinstance(c.get("action"), str)]
