"""Cognito pre-sign-up trigger: the sign-up policy of logic/sign_up decides.

Cognito answers a raised error to the client as UserLambdaValidationException, "PreSignUp failed with error <message>".
"""

from __future__ import annotations

from typing import Any

from api.observability import logger
from domain.errors import SignUpNotAllowed
from logic import sign_up

__all__ = ["SignUpNotAllowed", "lambda_handler"]  # raised to make Cognito refuse the sign-up with its message


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    email = event.get("request", {}).get("userAttributes", {}).get("email", "")
    try:
        sign_up.check(email, by_admin=event.get("triggerSource") == "PreSignUp_AdminCreateUser")
    except SignUpNotAllowed:
        logger.info("sign-up refused", extra={"domain": sign_up.email_domain(email)})
        raise
    return event
