"""The public Cognito actions moto leaves out or answers more kindly than Cognito, answered the way
Cognito does for the local /cognito proxy: confirmation codes are checked for Cognito's format (the
local stack sends no e-mail, so any 6-digit code stands for the one that would have been sent),
ResendConfirmationCode, and RevokeToken (the refresh token stops working)."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from local import private_api

CODE = re.compile(r"^\d{6}$")


def _error(code: str, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"__type": code, "message": message}


@functools.cache
def _checked() -> None:
    private_api.COGNITO_REFRESH_TOKENS.check()


def _pools() -> Any:
    _checked()
    return private_api.moto_cognito_pools()


def answer(action: str, body: bytes) -> tuple[int, dict[str, Any]] | None:
    """(status, body) when this module answers the action, None to forward it to moto."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return _error("SerializationException", "The request body is not JSON.")
    if not isinstance(request, dict):
        return _error("SerializationException", "The request body is not a JSON object.")
    if action in ("ConfirmSignUp", "ConfirmForgotPassword"):
        if not CODE.match(str(request.get("ConfirmationCode", ""))):
            return _error("CodeMismatchException", "Invalid verification code provided, please try again.")
        return None
    if action == "ResendConfirmationCode":
        username = str(request.get("Username", ""))
        if not username:
            return _error("InvalidParameterException", "1 validation error detected: Value at 'username' failed to "
                                                         "satisfy constraint")
        masked = re.sub(r"(?<=^.)[^@]*|(?<=@.)[^.]*", "***", username)
        return 200, {"CodeDeliveryDetails": {"Destination": masked, "DeliveryMedium": "EMAIL", "AttributeName": "email"}}
    if action == "RevokeToken":
        token = str(request.get("Token", ""))
        for pool in _pools():
            if pool.refresh_tokens.get(token) is not None:
                pool.refresh_tokens[token] = None  # moto's mark for a revoked refresh token
        return 200, {}
    return None
