"""Tell a user, over every WebSocket they have open, how their add request ended."""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
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


POST_WORKERS = 8  # posts in flight at once: enough for a team's sockets, few for @connections' rate
POST_BUDGET_S = 10.0  # a broadcast gives up on slow posts after this, well inside the notifier's 30 s timeout


def post(
    connection_ids: list[str],
    message: AddStatusMessage | EtlMessage,
    *,
    workers: int = POST_WORKERS,
    budget: float = POST_BUDGET_S,
) -> dict[str, int]:
    """Post one message to each connection (post_each)."""
    data = json.dumps(message).encode()
    return post_each([(connection_id, data) for connection_id in connection_ids], workers=workers, budget=budget)


def post_each(targets: list[tuple[str, bytes]], *, workers: int = POST_WORKERS, budget: float = POST_BUDGET_S) -> dict[str, int]:
    """Post each (connection, data), `workers` at a time, for at most `budget` seconds in all (a post still
    pending then counts as late and is not waited for, so one slow or flooded socket cannot time out the
    batch for everyone); a gone one (410) is forgotten, never an error."""
    if not targets:
        return {"sent": 0, "gone": 0}
    api = _api()

    def one(connection_id: str, data: bytes) -> str:
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
            return "sent"
        except ClientError as exc:
            if not _is_gone(exc):
                raise
            connections.delete(connection_id)
            return "gone"

    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets))))
    futures = [pool.submit(one, connection_id, data) for connection_id, data in targets]
    done, late = wait(futures, timeout=budget)
    pool.shutdown(wait=False, cancel_futures=True)
    counts = {"sent": 0, "gone": 0}
    for future in done:
        counts[future.result()] += 1  # an error other than 410 raises, as before
    if late:
        counts["late"] = len(late)
    return counts


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
