"""Per-user limits on adds (per minute and per UTC day), checked before anything is queued.

One DynamoDB item per user and window holds a counter that a conditional update raises only while it
is under the limit, so concurrent adds never overshoot. Items expire (TTL) an hour after their window.
Cost: two single-item writes per add and no extra service (an API Gateway usage plan cannot tell
Cognito users apart without handing each one an API key). A refused day write leaves the minute
counter one higher, which only matters to someone already at the day's limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from data.aws_clients import table
from settings import current

MINUTE, DAY = 60, 86400


def _limits() -> list[tuple[str, int, int]]:
    """(name, window seconds, limit) from the template's parameters."""
    settings = current()
    return [("minute", MINUTE, settings.adds_per_user_per_minute), ("day", DAY, settings.adds_per_user_per_day)]


@dataclass(frozen=True)
class Refusal:
    """A window that is full: its name (minute, day), its limit and the seconds until it ends."""

    window: str
    limit: int
    retry_after: int


def consume(user: str, now: float | None = None) -> Refusal | None:
    """Count one add for `user`; a full window is not counted and comes back as a Refusal."""
    now = time.time() if now is None else now
    for name, seconds, limit in _limits():
        end = (int(now // seconds) + 1) * seconds
        try:
            table(current().need("add_limits_table")).update_item(
                Key={"window": f"{user}#{name}#{end}"},
                UpdateExpression="ADD #n :one SET expiresAt = :exp",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "count"},
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":exp": end + 3600},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return Refusal(name, limit, max(1, int(end - now + 0.999)))
    return None
