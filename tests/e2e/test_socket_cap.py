"""#24 (review 7): one user cannot hold more than SocketsPerUser WebSockets; $connect beyond it is refused
with 429 (the status API Gateway answers when the $connect integration refuses), other users are not
affected, and a closed socket frees its place."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import wait_for
from tests.e2e.live import User, ws_url


def _open(stack, user: User) -> ClientConnection:
    return connect(f"{ws_url(stack)}?token={user.token}", open_timeout=10)


def _stored(stack, sub: str) -> int:
    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
        stack.resources.table_name("ConnectionsTable")
    )
    return sum(1 for item in table.scan()["Items"] if item["userSub"] == sub)


def test_sockets_beyond_the_per_user_cap_are_refused(stack, monkeypatch) -> None:
    monkeypatch.setenv("SOCKETS_PER_USER", "3")
    greedy = User(stack, f"greedy-{uuid.uuid4().hex[:6]}@example.com")
    other = User(stack, f"other-{uuid.uuid4().hex[:6]}@example.com")
    held: list[ClientConnection] = []
    refused: list[int] = []
    try:
        for _ in range(10):
            try:
                held.append(_open(stack, greedy))
            except InvalidStatus as exc:
                refused.append(exc.response.status_code)
        assert (len(held), refused) == (3, [429] * 7)
        assert _stored(stack, greedy.sub) == 3, "a refused connection was remembered"
        other.connect()
        assert other.ws is not None
        other.ws.send(json.dumps({"action": "ping"}))
        assert other.next_reply()["type"] == "pong"
        held.pop().close()
        wait_for(lambda: _stored(stack, greedy.sub) == 2, timeout=15)
        held.append(_open(stack, greedy))
        with pytest.raises(InvalidStatus):
            _open(stack, greedy)
    finally:
        for ws in held:
            ws.close()
        greedy.close()
        other.close()
