"""Cognito pre-sign-up trigger (SignUpMode=domains): only e-mail addresses in the allowed domains may sign up.

Cognito answers a raised error to the client as UserLambdaValidationException, "PreSignUp failed with error <message>".
Admins (AdminCreateUser) may add anyone. An empty domain list admits nobody: a misconfiguration closes sign-up.
"""

from __future__ import annotations

import os
from typing import Any

from api.observability import logger


class SignUpNotAllowed(Exception):
    """Raised to make Cognito refuse the sign-up with this message."""


def allowed_domains() -> frozenset[str]:
    raw = os.environ.get("SIGN_UP_ALLOWED_DOMAINS", "")
    return frozenset(d.strip().lower() for d in raw.split(",") if d.strip())


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    if event.get("triggerSource") == "PreSignUp_AdminCreateUser":
        return event
    domain = email_domain(event.get("request", {}).get("userAttributes", {}).get("email", ""))
    if domain not in allowed_domains():
        logger.info("sign-up refused", extra={"domain": domain})
        raise SignUpNotAllowed("Sign-up is open to addresses at " + ", ".join(sorted(allowed_domains()) or ["(none)"])
                               + " only; ask an administrator for an account.")
    return event
