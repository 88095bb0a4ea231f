"""The read side of the REST API: each route parses its input against the OpenAPI document and calls the library."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api import corrections, openapi, rest
from api.observability import logger, tracer
from logic import etl_history, library

app = rest.resolver()


def _query(operation_id: str) -> dict[str, Any]:
    return openapi.parse_query(operation_id, app.current_event.multi_value_query_string_parameters)


@app.get("/api/dashboard")
def get_dashboard() -> dict[str, Any]:
    return library.dashboard()


@app.get("/api/movies/search")
def search_movies() -> dict[str, Any]:
    return library.search(**_query("searchMovies"))


@app.get("/api/movies/filter")
def filter_movies() -> dict[str, Any]:
    return library.filter_movies(**_query("filterMovies"))


@app.get("/api/movies/top-rated")
def top_rated_movies() -> dict[str, Any]:
    return library.top_rated(**_query("topRatedMovies"))


@app.get("/api/genres")
def list_genres() -> dict[str, Any]:
    return library.genres(**_query("listGenres"))


@app.get("/api/movies/<movie_id>")
def get_movie(movie_id: str) -> Response[str]:
    # With its ETag, source and the caller's permissions (issue 22: corrections).
    return corrections.movie_detail(corrections.actor(app), movie_id)


@app.get("/api/etl/runs")
def list_etl_runs() -> dict[str, Any]:
    # Details (source, recorded errors) only for librarians (the id token's cognito:groups).
    return etl_history.runs(**_query("listEtlRuns"), librarian=corrections.actor(app).librarian)


@app.get("/api/etl/runs/<run_id>")
def get_etl_run(run_id: str) -> dict[str, Any]:
    path = openapi.parse_path("getEtlRun", {"id": run_id})
    return etl_history.run(**path, **_query("getEtlRun"), librarian=corrections.actor(app).librarian)


@app.get("/api/openapi.json")
def get_openapi() -> dict[str, Any]:
    return openapi.document()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
