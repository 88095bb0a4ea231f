"""Opaque keyset cursors: base64url JSON of the last row's sort key (and, for rankings, its position)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from domain.errors import ValidationError
from domain.movie_rules import text_problem

MAX_POSITION = 2**62  # a ranking position; more than any table holds, less than bigint's limit


def encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, kind: str, keyed: bool = True) -> dict[str, Any]:
    """Return the payload of a cursor made for `kind`, or raise a 400 naming `cursor`.
    `keyed`: the listing's rows have ids (movies do; genres are keyed by name alone)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("k") != kind:
            raise ValueError("cursor for another listing")
        if keyed:
            uuid.UUID(str(payload["id"]))
        if not isinstance(payload.get("t"), str) or text_problem(payload["t"]):
            raise ValueError("cursor without a title PostgreSQL can compare")  # e.g. one holding NUL
        if not isinstance(payload.get("p", 0), int) or not 0 <= payload.get("p", 0) <= MAX_POSITION:
            raise ValueError("cursor with an impossible position")
        if not isinstance(payload.get("r", ""), (str, int, float)):
            raise ValueError("cursor with a rank that is not a number")
        return payload
    except (ValueError, KeyError, TypeError, RecursionError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid() from exc


def invalid() -> ValidationError:
    return ValidationError(
        "Invalid query parameter 'cursor': use the nextCursor of the previous page of this listing.",
        [{"field": "cursor", "message": "not a cursor issued for this listing"}],
    )
