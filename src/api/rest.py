"""The REST resolver every handler uses: CORS for the UI's origin and one error shape,
`{"error": {code, message, details?}}`, never a stack trace."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from api import errors
from api.errors import error_body
from api.observability import logger
from domain.errors import DomainError, NotFound
from settings import current


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status, "application/json", json.dumps(body))


def resolver() -> APIGatewayRestResolver:
    cors = CORSConfig(
        allow_origin=current().allowed_origin,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match"],
        expose_headers=["ETag", "Retry-After"],
        max_age=600,
    )
    app = APIGatewayRestResolver(cors=cors)
    register(app)
    return app


def register(app: APIGatewayRestResolver) -> None:
    # Powertools' exception_handler(...) returns an unannotated decorator: the two ignores below are for that.
    @app.exception_handler(DomainError)  # type: ignore[untyped-decorator]
    def domain_error(exc: DomainError) -> Response[str]:
        status = errors.status_of(exc)
        if status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "reason": str(exc.__cause__ or exc)})
        return _json(status, errors.body(exc))

    @app.not_found
    def not_found(_exc: Exception) -> Response[str]:
        event = app.current_event
        return _json(404, errors.body(NotFound(f"No route {event.http_method} {event.path}.")))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def internal_error(_exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return _json(500, error_body("INTERNAL_ERROR", "Something went wrong on our side."))
