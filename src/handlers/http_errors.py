"""One error shape for every REST handler: `{"error": {code, message, details?}}`, never a stack trace."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from handlers.observability import logger
from shared.errors import ApiError, NotFound, error_body


def _json(status: int, body: dict) -> Response:
    return Response(status, "application/json", json.dumps(body))


def register(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(ApiError)
    def api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "reason": str(exc.__cause__ or exc)})
        return _json(exc.status, exc.body())

    @app.not_found
    def not_found(_exc: Exception) -> Response:
        event = app.current_event
        return _json(404, NotFound(f"No route {event.http_method} {event.path}.").body())

    @app.exception_handler(Exception)
    def internal_error(_exc: Exception) -> Response:
        logger.exception("unhandled error")
        return _json(500, error_body("INTERNAL_ERROR", "Something went wrong on our side."))
