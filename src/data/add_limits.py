"""Per-user limits on adds (per minute and per UTC day), checked before anything is queued.

One DynamoDB item per user and window holds a counter that a conditional update raises only while it
is under the limit, so concurrent adds never overshoot. Items expire (TTL) an hour after their window.
Cost: two single-item writes per add and no extra service (an API Gateway usage plan cannot tell
Cognito users apart without handing each one an API key). A refused day write leaves the minute
counter one higher, which only matters to someone already at the day's limit.
"""

from __future__ import annotations

import os
import time

from botocore.exceptions import ClientError

from api.errors import RateLimited
from data.aws_clients import table

MINUTE, DAY = 60, 86400


def _limits() -> list[tuple[str, int, int]]:
    """(name, window seconds, limit) from the template's parameters."""
    return [("minute", MINUTE, int(os.environ.get("ADDS_PER_USER_PER_MINUTE", "60"))),
            ("day", DAY, int(os.environ.get("ADDS_PER_USER_PER_DAY", "1000")))]


def consume(user: str, now: float | None = None) -> None:
    """Count one add for `user`, or raise RateLimited (429) with the seconds until its window ends."""
    now = time.time() if now is None else now
    for name, seconds, limit in _limits():
        end = (int(now // seconds) + 1) * seconds
        try:
            table("ADD_LIMITS_TABLE").update_item(
                Key={"window": f"{user}#{name}#{end}"},
                UpdateExpression="ADD #n :one SET expiresAt = :exp",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "count"},
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":exp": end + 3600},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            retry_after = max(1, int(end - now + 0.999))
            raise RateLimited(f"Too many adds: at most {limit} per {name}. Try again in {retry_after} s.",
                              retry_after, [{"field": "body", "message": f"at most {limit} adds per {name}"}]) from exc
