"""Errors the domain raises; handlers turn them into `{"error": {code, message, details?}}`."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class ValidationError(ApiError):
    status = 400
    code = "VALIDATION_ERROR"


class Unauthorized(ApiError):
    status = 401
    code = "UNAUTHORIZED"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class PayloadTooLarge(ApiError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class Unavailable(ApiError):
    status = 503
    code = "UNAVAILABLE"


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
