"""WebSocket routes: $connect stores the connection, $disconnect forgets it, ping answers pong."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api.observability import logger, tracer
from domain.errors import RateLimited
from logic import connections

settings.require("connections_table")  # cold start: fail now, naming what is missing


def _reply(status: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"statusCode": status, **({"body": json.dumps(body)} if body is not None else {})}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    ctx = event["requestContext"]
    route, connection_id = ctx["routeKey"], ctx["connectionId"]
    if route == "$connect":
        authorizer = ctx.get("authorizer") or {}
        user = authorizer.get("principalId")
        if not user:
            return _reply(401)
        try:
            connections.connect(
                connection_id,
                user,
                int(ctx.get("connectedAt", 0)),
                connections.token_expiry(authorizer.get("exp")),
                librarian=connections.is_librarian(authorizer.get("groups")),  # who hears ETL details
            )
        except RateLimited as exc:  # the upgrade fails with 429: API Gateway answers $connect's status
            logger.info("connection refused: over the per-user cap", extra={"user": user})
            return _reply(429, {"message": exc.message})
        logger.info("connected", extra={"connection_id": connection_id, "user": user})
        return _reply(200)
    if route == "$disconnect":
        connections.disconnect(connection_id)
        return _reply(200)
    if route == "ping":
        return _reply(200, {"type": "pong"})
    try:
        action = json.loads(event.get("body") or "{}").get("action")
    except (ValueError, AttributeError):
        action = None
    return _reply(
        400,
        {
            "type": "error",
            "error": {
                "code": "UNKNOWN_ACTION",
                "message": f'Unknown action {action!r}; send {{"action": "ping"}}. Add statuses arrive on their own.',
            },
        },
    )
