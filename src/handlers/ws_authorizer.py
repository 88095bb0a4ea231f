"""Request authorizer for WebSocket $connect: the `token` query parameter must be a valid Cognito id token."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api.auth import verifier
from api.observability import logger, tracer
from domain import roles
from domain.errors import Unauthorized

settings.require("cognito_client_id")  # cold start: fail now, naming what is missing


def _policy(principal: str, effect: str, resource: str, context: dict[str, Any] | None = None) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        policy["context"] = context
    return policy


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        claims = verifier().verify(token)
    except Unauthorized as exc:
        logger.info("connection refused", extra={"reason": exc.message})
        return _policy("anonymous", "Deny", event["methodArn"])
    # exp travels with the connection: the notifier stops sending once the token has expired; groups
    # (cognito:groups, space-separated: context values are strings) decide who hears ETL details.
    groups = " ".join(sorted(roles.parse_groups(claims.get("cognito:groups"))))
    return _policy(
        claims["sub"],
        "Allow",
        event["methodArn"],
        {"sub": claims["sub"], "email": claims.get("email", ""), "exp": int(claims["exp"]), "groups": groups},
    )
