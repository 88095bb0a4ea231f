"""The public Cognito actions moto leaves out or answers more kindly than Cognito, answered the way
Cognito does for the local /cognito proxy: sign-up confirmation codes are checked for Cognito's format
(the local stack sends no e-mail, so any 6-digit code stands for the one that would have been sent),
ResendConfirmationCode, and RevokeToken (the refresh token stops working).

A password reset changes a password, so it needs the code the stack issued: ForgotPassword draws a
random 6-digit code and logs it (the e-mail Cognito would send), and ConfirmForgotPassword accepts that
code only, once."""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import threading
from typing import Any

from local import private_api, template

CODE = re.compile(r"^\d{6}$")
log = logging.getLogger("local.cognito")
_reset_codes: dict[str, str] = {}  # username (lower-case) -> the code ForgotPassword issued
_reset_lock = threading.Lock()


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
        code = str(request.get("ConfirmationCode", ""))
        if not CODE.match(code):
            return _error("CodeMismatchException", "Invalid verification code provided, please try again.")
        if action == "ConfirmForgotPassword" and not _take_reset_code(str(request.get("Username", "")), code):
            return _error("CodeMismatchException", "Invalid verification code provided, please try again.")
        return None
    if action == "ResendConfirmationCode":
        username = str(request.get("Username", ""))
        if not username:
            return _error(
                "InvalidParameterException", "1 validation error detected: Value at 'username' failed to satisfy constraint"
            )
        masked = re.sub(r"(?<=^.)[^@]*|(?<=@.)[^.]*", "***", username)
        return 200, {"CodeDeliveryDetails": {"Destination": masked, "DeliveryMedium": "EMAIL", "AttributeName": "email"}}
    if action == "RevokeToken":
        token = str(request.get("Token", ""))
        for pool in _pools():
            if pool.refresh_tokens.get(token) is not None:
                pool.refresh_tokens[token] = None  # moto's mark for a revoked refresh token
        return 200, {}
    return None


def issued(action: str, body: bytes, status: int) -> None:
    """After moto answered a forwarded action: a successful ForgotPassword issues the reset code."""
    if action != "ForgotPassword" or status != 200:
        return
    try:
        username = str(json.loads(body).get("Username", ""))
    except (ValueError, AttributeError):
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with _reset_lock:
        _reset_codes[username.lower()] = code
    # The e-mail Cognito would send: the developer reads the code here (make run's output).
    log.warning("local Cognito: the password reset code for %s is %s", username, code)


def reset_code(username: str) -> str | None:
    """The reset code the stack issued for username (what its e-mail would carry), for tests and tools."""
    with _reset_lock:
        return _reset_codes.get(username.lower())


def _take_reset_code(username: str, code: str) -> bool:
    with _reset_lock:
        if not secrets.compare_digest(_reset_codes.get(username.lower(), ""), code):
            return False
        del _reset_codes[username.lower()]
        return True


def fold_username_case(body: bytes) -> bytes:
    """A public call's body with its username lower-cased when the pool is case-insensitive (the template's
    UsernameConfiguration): Cognito then matches Alice@x and alice@x as one user, which moto cannot be told to do.
    The username is the e-mail here (UsernameAttributes), so the e-mail attribute is folded with it."""
    if template.usernames_case_sensitive():
        return body
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return body  # answer() refuses it as Cognito does
    if not isinstance(request, dict):
        return body
    if isinstance(request.get("Username"), str):
        request["Username"] = request["Username"].lower()
    params = request.get("AuthParameters")
    if isinstance(params, dict) and isinstance(params.get("USERNAME"), str):
        params["USERNAME"] = params["USERNAME"].lower()
    for attribute in request.get("UserAttributes") or []:
        if isinstance(attribute, dict) and attribute.get("Name") == "email" and isinstance(attribute.get("Value"), str):
            attribute["Value"] = attribute["Value"].lower()
    return json.dumps(request).encode()
