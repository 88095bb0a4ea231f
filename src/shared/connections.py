"""Open WebSocket connections in DynamoDB: key connectionId, GSI byUser, TTL after API Gateway's 2 h limit."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Key

from shared.aws_clients import table

MAX_CONNECTION_SECONDS = 2 * 3600


def _table() -> Any:
    return table("CONNECTIONS_TABLE")


def save(connection_id: str, user_sub: str, connected_at: int) -> None:
    _table().put_item(Item={
        "connectionId": connection_id,
        "userSub": user_sub,
        "connectedAt": connected_at,
        "expiresAt": int(time.time()) + MAX_CONNECTION_SECONDS,
    })


def delete(connection_id: str) -> None:
    _table().delete_item(Key={"connectionId": connection_id})


def for_user(user_sub: str) -> list[str]:
    ids: list[str] = []
    kwargs: dict[str, Any] = {"IndexName": "byUser", "KeyConditionExpression": Key("userSub").eq(user_sub)}
    while True:
        page = _table().query(**kwargs)
        ids += [item["connectionId"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return ids
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
