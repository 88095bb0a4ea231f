"""Errors the domain raises, free of HTTP: `code` is the contract's Error.code; api/errors.py maps each
to its status code and `{"error": {code, message, details?}}` body."""

from __future__ import annotations

from typing import TypedDict


class FieldProblem(TypedDict):
    """One entry of an error's details: which input (a field, parameter or header) and what is wrong."""

    field: str
    message: str


class DomainError(Exception):
    code = "INTERNAL_ERROR"

    def __init_subclass__(cls, code: str | None = None, **kwargs: object) -> None:
        """`class X(DomainError, code=...)`; a subclass without one keeps its parent's."""
        super().__init_subclass__(**kwargs)
        cls.code = code or cls.code

    def __init__(self, message: str, details: list[FieldProblem] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DomainError, code="VALIDATION_ERROR"):
    """The input breaks the contract; details name each field."""


class Unauthorized(DomainError, code="UNAUTHORIZED"):
    """No valid token."""


class NotFound(DomainError, code="NOT_FOUND"):
    """No such movie, request, run or route."""


class PayloadTooLarge(DomainError, code="PAYLOAD_TOO_LARGE"):
    """A body over the API's limit."""


class Unavailable(DomainError, code="UNAVAILABLE"):
    """A dependency (the database) is down; retrying later can succeed."""


class RateLimited(DomainError, code="RATE_LIMITED"):
    """Over a per-user add limit; retry_after says in how many seconds its window ends."""

    def __init__(self, message: str, retry_after: int, details: list[FieldProblem] | None = None):
        super().__init__(message, details)
        self.retry_after = retry_after


class SignUpNotAllowed(DomainError, code="SIGN_UP_NOT_ALLOWED"):
    """The sign-up policy refuses this address (Cognito shows the message to the client)."""
