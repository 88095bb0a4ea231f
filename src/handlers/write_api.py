"""The write side of the REST API: queue a movie add, and read back a request's status."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api import errors, movie_body, openapi, rest
from api.observability import logger, metrics, tracer
from domain.errors import RateLimited
from logic import adds

settings.require("add_queue_url", "requests_table", "add_limits_table")  # cold start: fail now, naming what is missing
app = rest.resolver()


def _caller() -> str:
    return str(app.current_event.request_context.authorizer.claims["sub"])


def _status_url(request_id: str) -> str:
    stage = app.current_event.request_context.stage
    prefix = f"/{stage}" if app.current_event.request_context.path.startswith(f"/{stage}/") else ""
    return f"{prefix}/api/movies/requests/{request_id}"


@app.exception_handler(RateLimited)  # type: ignore[untyped-decorator]  # Powertools: an unannotated decorator
def rate_limited(exc: RateLimited) -> Response[str]:
    logger.info("add refused: over the per-user limit", extra={"retry_after": exc.retry_after})
    return Response(429, "application/json", json.dumps(errors.body(exc)), headers={"Retry-After": str(exc.retry_after)})


@app.post("/api/movies")
def add_movie() -> Response[str]:
    event = app.current_event
    movie = movie_body.parse_new_movie(movie_body.body_text(event.body, bool(event.is_base64_encoded)))
    # Powertools' headers ignore case: API Gateway REST passes the names as the client sent them.
    email = app.current_event.request_context.authorizer.claims.get("email")
    request, queued = adds.accept(_caller(), movie, event.headers.get("Idempotency-Key"), email)
    logger.append_keys(request_id=request["requestId"])
    logger.info("add queued" if queued else "idempotent retry", extra={"movie": movie})
    if queued:
        metrics.add_metric(name="AddsQueued", unit="Count", value=1)
    body = {
        "id": request["requestId"],
        "requestId": request["requestId"],
        "status": request["status"],
        "statusUrl": _status_url(request["requestId"]),
        "message": "Queued: the outcome arrives over the WebSocket and at statusUrl."
        if queued
        else "Already received with this Idempotency-Key; nothing was queued again.",
    }
    return Response(202, "application/json", json.dumps(body))


@app.get("/api/movies/requests")
def list_requests() -> dict[str, Any]:
    return adds.recent(_caller(), **openapi.parse_query("listAddRequests", app.current_event.multi_value_query_string_parameters))


@app.get("/api/movies/requests/<request_id>")
def get_request(request_id: str) -> dict[str, Any]:
    params = openapi.parse_path("getAddRequest", {"requestId": request_id})
    return adds.status(_caller(), params["requestId"])


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
