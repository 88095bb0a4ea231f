"""The HTTP face of the domain's errors: a status code per error and the `{"error": {code, message, details?}}` body."""

from __future__ import annotations

from typing import Any

from domain.errors import DomainError, NotFound, PayloadTooLarge, RateLimited, Unauthorized, Unavailable, ValidationError

_STATUS: dict[type[DomainError], int] = {
    ValidationError: 400,
    Unauthorized: 401,
    NotFound: 404,
    PayloadTooLarge: 413,
    RateLimited: 429,
    Unavailable: 503,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error (the nearest mapped class; 500 for one the API does not expect)."""
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def body(exc: DomainError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.details:
        error["details"] = exc.details
    return {"error": error}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
