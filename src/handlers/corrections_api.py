"""Corrections of the REST API: PATCH and DELETE a movie, and its history (issue 22)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api import corrections, openapi, rest
from api.observability import logger, metrics, tracer
from logic import corrections as logic

settings.require("add_limits_table")  # cold start: fail now, naming what is missing
app = rest.resolver()
corrections.register(app)


@app.patch("/api/movies/<movie_id>")
def edit_movie(movie_id: str) -> Response[str]:
    event = app.current_event
    the_id = corrections.movie_id("editMovie", movie_id)
    changes = corrections.edit_body(event.body, bool(event.is_base64_encoded))
    who = corrections.actor(app)
    movie, version = logic.edit(who, the_id, corrections.if_match(event.headers), changes)
    logger.info("movie edited", extra={"movie_id": the_id, "fields": sorted(changes)})
    metrics.add_metric(name="MoviesEdited", unit="Count", value=1)
    return corrections.movie_response(movie, version)


@app.delete("/api/movies/<movie_id>")
def delete_movie(movie_id: str) -> Response[str]:
    the_id = corrections.movie_id("deleteMovie", movie_id)
    who = corrections.actor(app)
    done = logic.delete(who, the_id, corrections.if_match(app.current_event.headers))
    logger.info("movie deleted", extra={"movie_id": the_id, "suppressed": done["suppressed"]})
    metrics.add_metric(name="MoviesDeleted", unit="Count", value=1)
    return Response(204, "application/json", "")


@app.get("/api/movies/<movie_id>/history")
def movie_history(movie_id: str) -> dict[str, Any]:
    query = openapi.parse_query("movieHistory", app.current_event.multi_value_query_string_parameters)
    return corrections.history_page(corrections.actor(app), movie_id, query)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
