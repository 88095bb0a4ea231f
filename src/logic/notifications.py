"""Tell a user, over every WebSocket they have open, how their add request ended."""

from __future__ import annotations

import json
import os
from typing import Any

from botocore.exceptions import ClientError

from data import connections
from data.aws_clients import management_api


def status_message(request: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "addStatus", "requestId": request["requestId"], "status": request["status"]}
    if request.get("movie"):
        message["movie"] = request["movie"]
    if request.get("error"):
        message["error"] = request["error"]
    message["at"] = request.get("completedAt") or request.get("submittedAt")
    return message


def send_to_user(user_sub: str, message: dict[str, Any]) -> dict[str, int]:
    """Post to each of the user's authorised connections. A gone one (410) is forgotten, never an error;
    one whose token has expired is closed and forgotten unsent (the client reconnects with a fresh token)."""
    live, expired = connections.for_user(user_sub)
    for connection_id in expired:
        _close(_api(), connection_id)
    return {**post(live, message), "expired": len(expired)}


def post(connection_ids: list[str], message: dict[str, Any]) -> dict[str, int]:
    """Post one message to each connection; a gone one (410) is forgotten, never an error."""
    api = _api()
    data = json.dumps(message).encode()
    sent = gone = 0
    for connection_id in connection_ids:
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
            sent += 1
        except ClientError as exc:
            if not _is_gone(exc):
                raise
            connections.delete(connection_id)
            gone += 1
    return {"sent": sent, "gone": gone}


def _api() -> Any:
    return management_api(os.environ["WS_MANAGEMENT_ENDPOINT"])


def _is_gone(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in ("GoneException", "410")


def _close(api: Any, connection_id: str) -> None:
    try:
        api.delete_connection(ConnectionId=connection_id)
    except ClientError as exc:
        if not _is_gone(exc):
            raise
    connections.delete(connection_id)
