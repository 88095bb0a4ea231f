"""Fault classification: whether a failure of the database or AWS is worth retrying, and how to name a refusal."""

from __future__ import annotations

from domain.errors import Unavailable

# SQLSTATE classes worth retrying: connection exceptions (08), transaction rollbacks such as
# serialization failures and deadlocks (40), insufficient resources (53), operator intervention such
# as admin shutdown or a statement timeout (57), system errors (58); plus lock_not_available.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
_TRANSIENT_SQLSTATES = ("55P03", "55006")
_TRANSIENT_AWS_CODES = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "TransactionConflictException",
    "RequestTimeout",
)


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


def refusal_reason(exc: Exception) -> str:
    """Why the database refused a movie, in words safe for its submitter (no SQL, no values)."""
    from psycopg2 import errorcodes

    code: str | None = getattr(exc, "pgcode", None)
    condition = errorcodes.lookup(code) if code else None
    if condition:
        return f"The database refused this movie ({condition.lower().replace('_', ' ')})."
    return "The movie could not be stored."
