"""The HTTP edge of corrections (issue 22): parse PATCH/DELETE/history input, map the logic's errors to
status codes, and carry the movie's version as ETag / If-Match."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from api import errors, movie_body, openapi
from api.observability import logger
from data.audit import Actor
from domain import cursors
from domain.errors import FieldProblem, NotFound, PayloadTooLarge, RateLimited, ValidationError
from logic import corrections

MAX_BODY_BYTES = movie_body.MAX_BODY_BYTES


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status, "application/json", json.dumps(body), headers=headers or {})


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def register(app: APIGatewayRestResolver) -> None:
    """Status codes for the logic's errors; Powertools' exception_handler is an unannotated decorator."""

    @app.exception_handler(corrections.MovieNotFound)  # type: ignore[untyped-decorator]
    def not_found(exc: corrections.MovieNotFound) -> Response[str]:
        return _json(404, _error("NOT_FOUND", exc.message))

    @app.exception_handler(corrections.NotAllowed)  # type: ignore[untyped-decorator]
    def forbidden(exc: corrections.NotAllowed) -> Response[str]:
        logger.info("correction refused", extra={"reason": exc.reason})
        return _json(403, _error("FORBIDDEN", exc.message, reason=exc.reason))

    @app.exception_handler(corrections.PreconditionRequired)  # type: ignore[untyped-decorator]
    def precondition_required(exc: corrections.PreconditionRequired) -> Response[str]:
        return _json(428, _error("PRECONDITION_REQUIRED", exc.message, details=[{"field": "If-Match", "message": "is required"}]))

    @app.exception_handler(corrections.StaleVersion)  # type: ignore[untyped-decorator]
    def stale(exc: corrections.StaleVersion) -> Response[str]:
        return _json(
            412,
            _error("PRECONDITION_FAILED", exc.message, movie=exc.current),
            {"ETag": corrections.etag(exc.current["id"], exc.version)},
        )

    @app.exception_handler(corrections.DuplicateMovie)  # type: ignore[untyped-decorator]
    def duplicate(exc: corrections.DuplicateMovie) -> Response[str]:
        return _json(409, _error("CONFLICT", exc.message, reason="duplicate", movie=exc.other))

    @app.exception_handler(corrections.EditInDrive)  # type: ignore[untyped-decorator]
    def from_drive(exc: corrections.EditInDrive) -> Response[str]:
        return _json(409, _error("CONFLICT", exc.message, reason="fromDrive", source=exc.source))

    @app.exception_handler(corrections.InvalidEdit)  # type: ignore[untyped-decorator]
    def invalid(exc: corrections.InvalidEdit) -> Response[str]:
        details: list[FieldProblem] = [{"field": f, "message": p} for f, p in exc.problems]
        return _json(400, errors.body(ValidationError(exc.message, details)))

    @app.exception_handler(RateLimited)  # type: ignore[untyped-decorator]
    def rate_limited(exc: RateLimited) -> Response[str]:
        logger.info("correction refused: over the per-user limit", extra={"retry_after": exc.retry_after})
        return _json(429, errors.body(exc), {"Retry-After": str(exc.retry_after)})


def actor(app: APIGatewayRestResolver) -> Actor:
    return corrections.actor_from_claims(dict(app.current_event.request_context.authorizer.claims))


def if_match(headers: Any) -> str | None:
    """The If-Match header, checked against the document's limit (a missing one is the logic's 428)."""
    value: str | None = headers.get("If-Match")
    limit = int(openapi.document()["components"]["parameters"]["ifMatch"]["schema"]["maxLength"])
    if value is not None and len(value) > limit:
        raise ValidationError(
            f"Invalid header 'If-Match': at most {limit} characters; send the movie's ETag.",
            [{"field": "If-Match", "message": f"must be at most {limit} characters"}],
        )
    return value


def movie_id(operation_id: str, raw: str) -> str:
    return str(openapi.parse_path(operation_id, {"id": raw})["id"]).lower()


def edit_body(body: str | None, is_base64: bool) -> dict[str, Any]:
    text = movie_body.body_text(body, is_base64)
    if text is not None and len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
    try:
        changes = openapi.parse_body("editMovie", text)
    except RecursionError as exc:
        raise ValidationError(
            "The request body is nested too deeply; send a flat JSON object.", [{"field": "body", "message": "nested too deeply"}]
        ) from exc
    if not changes:
        raise ValidationError(
            "Nothing to change: send any of title, genre, rating (null removes it), year.",
            [{"field": "body", "message": "names no field to change"}],
        )
    return changes


def movie_response(movie: dict[str, Any], version: int, status: int = 200) -> Response[str]:
    return _json(status, movie, {"ETag": corrections.etag(movie["id"], version)})


def movie_detail(who: Actor, raw_id: str) -> Response[str]:
    """GET /api/movies/{id}: the movie, its ETag, where it came from and what the caller may do with it."""
    the_id = movie_id("getMovie", raw_id)
    stored, allowed = corrections.access(who, the_id)
    if stored is None:
        raise NotFound(f"No movie with id {the_id}.")
    body = {**stored.movie, "source": corrections.source_of(stored), "permissions": allowed}
    return movie_response(body, stored.version)


def history_page(who: Actor, raw_id: str, query: dict[str, Any]) -> dict[str, Any]:
    the_id = movie_id("movieHistory", raw_id)
    limit = int(query["limit"])
    before = None
    if query.get("cursor"):
        payload = cursors.decode(query["cursor"], "history", keyed=False)
        before = int(payload.get("p", 0)) or None
        if before is None:
            raise cursors.invalid()
    entries, more = corrections.history(who, the_id, limit, before)
    next_cursor = cursors.encode({"k": "history", "t": "", "p": int(entries[-1]["id"])}) if more and entries else None
    return {
        "movieId": the_id,
        "entries": entries,
        "pagination": {"limit": limit, "nextCursor": next_cursor, "hasMore": bool(more)},
    }
