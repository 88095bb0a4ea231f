"""Open WebSocket connections in DynamoDB: key connectionId, GSI byUser, TTL at expiresAt (logic/connections
decides it: API Gateway's 2 h limit, or soon after the token that opened the socket expires).

Broadcasts (ETL progress, libraryChanged) find their sockets with a Query on the sparse GSI byAudience
(audience = librarians | members, range listensUntil: when its token expires), never a Scan: only items
saved with an audience are in it, and the key condition leaves out sockets whose token has expired."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.conditions import Key

from data.aws_clients import table
from settings import current


def _table() -> Any:
    return table(current().need("connections_table"))


Audience = Literal["librarians", "members"]
AUDIENCES: tuple[Audience, ...] = ("librarians", "members")
BY_AUDIENCE = "byAudience"


def save(
    connection_id: str,
    user_sub: str,
    connected_at: int,
    expires_at: int,
    token_expires_at: int | None = None,
    librarian: bool = False,
) -> None:
    """Remember an open socket until expires_at (the table's TTL), when the token that opened it expires
    (the notifier stops there), and whether a librarian opened it (who hears ETL details)."""
    item: dict[str, str | int] = {
        "connectionId": connection_id,
        "userSub": user_sub,
        "connectedAt": connected_at,
        "expiresAt": expires_at,
        "audience": "librarians" if librarian else "members",
        "listensUntil": token_expires_at if token_expires_at is not None else expires_at,
    }
    if token_expires_at is not None:
        item["tokenExpiresAt"] = token_expires_at
    _table().put_item(Item=item)


def delete(connection_id: str) -> None:
    _table().delete_item(Key={"connectionId": connection_id})


def for_user(user_sub: str, now: float | None = None) -> tuple[list[str], list[str]]:
    """The user's connections as (authorised, expired): an expired one's token has passed its `exp`."""
    now = time.time() if now is None else now
    live: list[str] = []
    expired: list[str] = []
    kwargs: dict[str, Any] = {"IndexName": "byUser", "KeyConditionExpression": Key("userSub").eq(user_sub)}
    while True:
        page = _table().query(**kwargs)
        for item in page["Items"]:
            exp = item.get("tokenExpiresAt")
            (expired if exp is not None and int(exp) <= now else live).append(item["connectionId"])
        if "LastEvaluatedKey" not in page:
            return live, expired
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def count_open(user_sub: str, now: float | None = None) -> int:
    """How many sockets of `user_sub` are open: its byUser items past neither their TTL (DynamoDB deletes
    expired items late) nor their token's expiry."""
    now = time.time() if now is None else now
    kwargs: dict[str, Any] = {"IndexName": "byUser", "KeyConditionExpression": Key("userSub").eq(user_sub)}
    count = 0
    while True:
        page = _table().query(**kwargs)
        for item in page["Items"]:
            ends = [int(item[k]) for k in ("expiresAt", "tokenExpiresAt") if item.get(k) is not None]
            count += all(end > now for end in ends)
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def listeners(audience: Audience, now: float | None = None) -> list[str]:
    """The open sockets of one audience whose token has not expired: a Query on byAudience (keys only)."""
    now = time.time() if now is None else now
    found: list[str] = []
    kwargs: dict[str, Any] = {
        "IndexName": BY_AUDIENCE,
        "KeyConditionExpression": Key("audience").eq(audience) & Key("listensUntil").gt(Decimal(int(now))),
    }
    while True:
        page = _table().query(**kwargs)
        found += [str(item["connectionId"]) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def all_authorised(now: float | None = None) -> list[str]:
    """Every open socket whose token has not expired, whoever opened it (both audiences)."""
    return [c for audience in AUDIENCES for c in listeners(audience, now)]
