"""Tell a user, over every WebSocket they have open, how their add request ended."""

from __future__ import annotations

import json
import os
from typing import Any

from botocore.exceptions import ClientError

from shared import connections
from shared.aws_clients import management_api


def status_message(request: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "addStatus", "requestId": request["requestId"], "status": request["status"]}
    if request.get("movie"):
        message["movie"] = request["movie"]
    if request.get("error"):
        message["error"] = request["error"]
    message["at"] = request.get("completedAt") or request.get("submittedAt")
    return message


def send_to_user(user_sub: str, message: dict[str, Any]) -> dict[str, int]:
    """Post to each of the user's connections; a gone one (410) is forgotten, never an error."""
    api = management_api(os.environ["WS_MANAGEMENT_ENDPOINT"])
    data = json.dumps(message).encode()
    sent = gone = 0
    for connection_id in connections.for_user(user_sub):
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
            sent += 1
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("GoneException", "410"):
                raise
            connections.delete(connection_id)
            gone += 1
    return {"sent": sent, "gone": gone}
