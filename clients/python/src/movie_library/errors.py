"""Exceptions: one class per kind of failure a caller may want to handle differently."""

from __future__ import annotations

from typing import Any


class MovieLibraryError(Exception):
    """Base of everything this package raises."""


class ApiError(MovieLibraryError):
    """The API answered with an error: `{"error": {"code", "message", "details"?}}`."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        body: Any = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details or []
        self.body = body

    def __str__(self) -> str:
        prefix = f"{self.status} {self.code}: " if self.status and self.code else ""
        return prefix + self.message


class ValidationError(ApiError):
    """400: the request was refused; `fields` maps each named parameter or field to its problem."""

    @property
    def fields(self) -> dict[str, str]:
        return {d.get("field", ""): d.get("message", "") for d in self.details}


class Unauthorized(ApiError):
    """401: no token, or it is invalid or expired and could not be refreshed."""


class Forbidden(ApiError):
    """403."""


class NotFound(ApiError):
    """404: no such movie, or an add request that is not yours."""


class Conflict(ApiError):
    """409: the edit would make the movie equal another (`reason` "duplicate", `other` names it), or the
    movie came from Drive and is corrected there (`reason` "fromDrive", `source` says where)."""

    @property
    def reason(self) -> str | None:
        return _error_field(self.body, "reason")

    @property
    def other(self) -> dict[str, Any] | None:
        return _error_field(self.body, "movie")

    @property
    def source(self) -> dict[str, Any] | None:
        return _error_field(self.body, "source")


class PreconditionFailed(ApiError):
    """412: the movie changed since its ETag was read; `current` is the movie now, `etag` its version."""

    def __init__(self, message: str, *, etag: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.etag = etag

    @property
    def current(self) -> dict[str, Any] | None:
        return _error_field(self.body, "movie")


class PreconditionRequired(ApiError):
    """428: a correction was sent without If-Match."""


def _error_field(body: Any, name: str) -> Any:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get(name) if isinstance(error, dict) else None


class PayloadTooLarge(ApiError):
    """413: the body is over 16 KB."""


class RateLimited(ApiError):
    """429: slow down; `retry_after` is the server's advice in seconds (None when it gave none)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """500 and other 5xx answers except 503: a fault on the server side."""


class Unavailable(ApiError):
    """503, or the API could not be reached at all (connection refused, timed out): retry later."""


class AuthError(MovieLibraryError):
    """Signing in failed (wrong password, unknown user, a challenge this client cannot answer)."""

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code


class WaitTimeout(MovieLibraryError, TimeoutError):
    """An add request had no final outcome before the deadline; `status` is the last one seen."""

    def __init__(self, request_id: str, status: str, timeout: float):
        super().__init__(f"add request {request_id} is still {status} after {timeout:g}s")
        self.request_id = request_id
        self.status = status


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    428: PreconditionRequired,
    429: RateLimited,
    503: Unavailable,
}


def from_response(status: int, body: Any, retry_after: float | None = None, etag: str | None = None) -> ApiError:
    """The exception for an error answer. API Gateway's own answers (e.g. `{"message": "Unauthorized"}`)
    do not always carry the error envelope, so both shapes are read."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message, details = error.get("code"), str(error.get("message", "")), error.get("details")
    else:
        code, details = None, None
        message = str(body.get("message")) if isinstance(body, dict) and body.get("message") else f"HTTP {status}"
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "details": details if isinstance(details, list) else None,
        "body": body,
    }
    if cls is RateLimited:
        return RateLimited(message, retry_after=retry_after, **kwargs)
    if cls is PreconditionFailed:
        return PreconditionFailed(message, etag=etag, **kwargs)
    return cls(message, **kwargs)
