"""Helpers for tests that talk to the stack as a person's browser would: REST calls plus a live WebSocket."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
from websockets.sync.client import ClientConnection, connect

from local import aws
from tests import throttle


def ws_url(stack) -> str:
    """The WebSocket API's URL: the deployed stage's, or the local gateway's."""
    return getattr(stack, "ws_url", None) or f"ws://127.0.0.1:{stack.port}/ws"


def reply(ws: ClientConnection, timeout: float = 15.0) -> dict[str, Any]:
    """The next message meant for this socket: libraryChanged, which every connection hears whenever another
    test changes the library, is passed over."""
    deadline = time.monotonic() + timeout
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message.get("type") != "libraryChanged":
            return message


def flush_stage_cache(stack) -> None:
    """Empty the REST stage's cache through API Gateway's FlushStageCache: locally the gateway serves it on
    its loopback management port; deployed it is `aws apigateway flush-stage-cache --rest-api-id <id>
    --stage-name <stage>` (the stack's RestApi output)."""
    import boto3

    from local import template

    client = boto3.client("apigateway", endpoint_url=getattr(stack, "management_url", None))
    client.flush_stage_cache(
        restApiId=getattr(stack, "rest_api_id", "local"), stageName=getattr(stack, "stage", None) or template.stage_name()
    )


class User:
    def __init__(self, stack, email: str, password: str = "User-Passw0rd!"):
        import boto3

        idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
        aws.ensure_user(idp, stack.resources.user_pool_id, email, password)
        self.token = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, email, password)["IdToken"]
        self.sub = jwt.decode(self.token, options={"verify_signature": False})["sub"]
        self.stack = stack
        self.http = throttle.client(stack.url, self.token)
        self.ws: ClientConnection | None = None
        self._held: list[dict[str, Any]] = []  # messages read while waiting for another request

    def connect(self) -> User:
        # Unbounded queue: a test may read its messages long after they arrived; with the default (16)
        # the client stops reading the socket, its keepalive pongs go unread and it hangs up.
        self.ws = connect(f"{ws_url(self.stack)}?token={self.token}", open_timeout=10, max_queue=None)
        return self

    def add(self, movie: dict[str, Any], **headers: str) -> httpx.Response:
        return self.http.post("/api/movies", json=movie, headers=headers)

    def next_message(self, timeout: float = 15.0) -> dict[str, Any]:
        assert self.ws is not None
        return json.loads(self.ws.recv(timeout=timeout))

    def next_reply(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next message meant for this socket: libraryChanged, which every connection hears whenever
        another test changes the library, is passed over."""
        assert self.ws is not None
        return reply(self.ws, timeout)

    def status_of(self, request_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """Wait (with a deadline) for the message about request_id. Outcomes of one batch are recorded
        side by side, so they may arrive in any order: messages about other requests are kept."""
        for held in self._held:
            if held.get("requestId") == request_id:
                self._held.remove(held)
                return held
        deadline = time.monotonic() + timeout
        while True:
            message = self.next_message(max(0.1, deadline - time.monotonic()))
            if message.get("requestId") == request_id:
                return message
            self._held.append(message)

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.http.close()
