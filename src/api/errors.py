"""Errors the domain raises; handlers turn them into `{"error": {code, message, details?}}`."""

from __future__ import annotations

from typing import Any, TypedDict


class FieldProblem(TypedDict):
    """One entry of an error's details: which input (a field, parameter or header) and what is wrong."""

    field: str
    message: str


class ApiError(Exception):
    status = 500
    code = "INTERNAL_ERROR"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs: object) -> None:
        """`class X(ApiError, status=..., code=...)`; a subclass without them keeps its parent's."""
        super().__init_subclass__(**kwargs)
        cls.status = status or cls.status
        cls.code = code or cls.code

    def __init__(self, message: str, details: list[FieldProblem] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class ValidationError(ApiError, status=400, code="VALIDATION_ERROR"):
    """The request breaks the contract; details name each field."""


class Unauthorized(ApiError, status=401, code="UNAUTHORIZED"):
    """No valid token."""


class NotFound(ApiError, status=404, code="NOT_FOUND"):
    """No such movie, request, run or route."""


class PayloadTooLarge(ApiError, status=413, code="PAYLOAD_TOO_LARGE"):
    """A body over the API's limit."""


class Unavailable(ApiError, status=503, code="UNAVAILABLE"):
    """A dependency (the database) is down; retrying later can succeed."""


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


# SQLSTATE classes worth retrying: connection exceptions (08), transaction rollbacks such as
# serialization failures and deadlocks (40), insufficient resources (53), operator intervention such
# as admin shutdown or a statement timeout (57), system errors (58); plus lock_not_available.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
_TRANSIENT_SQLSTATES = ("55P03", "55006")
_TRANSIENT_AWS_CODES = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                        "InternalServerError", "InternalFailure", "ServiceUnavailable",
                        "TransactionConflictException", "RequestTimeout")


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same work later can succeed (an outage, a conflict, a timeout).

    Everything else (bad data, constraint violations, a malformed message) fails the same way every
    time, so it is an outcome to report at once, not a fault to retry.
    """
    import botocore.exceptions
    import psycopg2

    if isinstance(exc, Unavailable):  # db.run wraps what it caught: judge that
        return exc.__cause__ is None or is_transient(exc.__cause__)
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    if isinstance(exc, psycopg2.Error):
        code = exc.pgcode
        if code is None:  # raised by the client: the connection was refused, lost or timed out
            return isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)
        return code[:2] in _TRANSIENT_SQLSTATE_CLASSES or code in _TRANSIENT_SQLSTATES
    if isinstance(exc, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in _TRANSIENT_AWS_CODES or status >= 500
    return False


class RateLimited(ApiError, status=429, code="RATE_LIMITED"):
    """Over a per-user add limit; Retry-After says when the window ends."""

    def __init__(self, message: str, retry_after: int, details: list[FieldProblem] | None = None):
        super().__init__(message, details)
        self.retry_after = retry_after
