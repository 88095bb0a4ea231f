"""Tell a user, over every WebSocket they have open, how their add request ended."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from botocore.exceptions import ClientError

from data import connections, requests_store
from data.aws_clients import management_api
from domain.messages import TERMINAL, AddRequest, AddStatusMessage, EtlMessage
from settings import current


def on_request_changed(new_image: Mapping[str, Any], old_image: Mapping[str, Any]) -> dict[str, Any] | None:
    """A change of the requests table (its stream images): tell the submitter when their request has just
    reached an outcome. Any other change (a new queued request, a redelivery's repeat) sends nothing: None."""
    new = requests_store.from_stream_image(new_image)
    old = requests_store.from_stream_image(old_image)
    if new is None or new.get("status") not in TERMINAL or (old is not None and old.get("status") == new["status"]):
        return None
    result = send_to_user(new["owner"], status_message(new))
    return {"request_id": new["requestId"], "status": new["status"], **result}


def status_message(request: AddRequest) -> AddStatusMessage:
    # Built in the order clients have always seen the keys (at last), then typed as the message.
    message: dict[str, Any] = {"type": "addStatus", "requestId": request["requestId"], "status": request["status"]}
    if request.get("movie"):
        message["movie"] = request["movie"]
    if request.get("error"):
        message["error"] = request["error"]
    message["at"] = request.get("completedAt") or request.get("submittedAt")
    return cast(AddStatusMessage, message)


def send_to_user(user_sub: str, message: AddStatusMessage) -> dict[str, int]:
    """Post to each of the user's authorised connections. A gone one (410) is forgotten, never an error;
    one whose token has expired is closed and forgotten unsent (the client reconnects with a fresh token)."""
    live, expired = connections.for_user(user_sub)
    for connection_id in expired:
        _close(_api(), connection_id)
    return {**post(live, message), "expired": len(expired)}


def post(connection_ids: list[str], message: AddStatusMessage | EtlMessage) -> dict[str, int]:
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
    return management_api(current().need("ws_management_endpoint"))


def _is_gone(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in ("GoneException", "410")


def _close(api: Any, connection_id: str) -> None:
    try:
        api.delete_connection(ConnectionId=connection_id)
    except ClientError as exc:
        if not _is_gone(exc):
            raise
    connections.delete(connection_id)
