"""etlProgress / etlFinished messages from the ETL task to every open WebSocket.

The task writes each message as an item of the ETL events table (it reaches DynamoDB from its
network); the notifier Lambda, outside the VPC, reads the table's stream and posts to @connections.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from data import connections
from data.aws_clients import management_api, table

MESSAGE_TYPES = ("etlProgress", "etlFinished")


def is_etl_event(keys: Mapping[str, Any]) -> bool:
    """A stream record's keys are of the ETL events table (its items have a runId and a seq)."""
    return "runId" in keys and "seq" in keys


def message_of(image: Mapping[str, Any]) -> dict[str, Any] | None:
    """The message an ETL events item carries (a JSON string), if it is one the UI knows."""
    raw = image.get("message")
    if not isinstance(raw, str) or not raw:
        return None
    message = json.loads(raw)
    return message if isinstance(message, dict) and message.get("type") in MESSAGE_TYPES else None


def _all_connections(now: float) -> list[str]:
    """Every open socket whose token has not expired (a scan: a team's sockets are few)."""
    found: list[str] = []
    kwargs: dict[str, Any] = {"ProjectionExpression": "connectionId, tokenExpiresAt"}
    while True:
        page = table("CONNECTIONS_TABLE").scan(**kwargs)
        for item in page["Items"]:
            expires = item.get("tokenExpiresAt")  # a number (Decimal) when the token has an expiry
            if not isinstance(expires, (int, Decimal)) or expires > now:
                found.append(str(item["connectionId"]))
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def broadcast(message: dict[str, Any]) -> dict[str, int]:
    """Post to every connected user; a gone socket (410) is forgotten, never an error."""
    api = management_api(os.environ["WS_MANAGEMENT_ENDPOINT"])
    data = json.dumps(message).encode()
    sent = gone = 0
    for connection_id in _all_connections(time.time()):
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
            sent += 1
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("GoneException", "410"):
                raise
            connections.delete(connection_id)
            gone += 1
    return {"sent": sent, "gone": gone}
