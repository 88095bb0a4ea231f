"""The body of POST /api/movies: its size, its encoding, the OpenAPI MovieInput schema, then the movie rules."""

from __future__ import annotations

import base64
import binascii

from api import openapi
from domain import contract, movie_rules
from domain.errors import PayloadTooLarge, ValidationError
from domain.messages import NewMovie

MAX_BODY_BYTES = contract.MAX_BODY_BYTES


def parse_new_movie(body: str | None) -> NewMovie:
    """Validate a body against the OpenAPI MovieInput schema and normalise it: accepted means storable."""
    if body is not None and len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
    try:
        return movie_rules.new_movie(openapi.parse_body("addMovie", body))
    except RecursionError as exc:  # e.g. [[[[…]]]] thousands deep: no movie looks like that
        raise ValidationError(
            "The request body is nested too deeply; send a flat JSON object.", [{"field": "body", "message": "nested too deeply"}]
        ) from exc


def body_text(body: str | None, is_base64: bool) -> str | None:
    """The body as text; bytes that are not UTF-8 (which API Gateway passes base64-encoded) are a 400."""
    if not is_base64 or not body:
        return body
    try:
        raw = base64.b64decode(body, validate=True)
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            "The request body is not UTF-8 text; send a JSON object.", [{"field": "body", "message": "not UTF-8 text"}]
        ) from exc
