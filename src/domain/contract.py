"""GENERATED from src/api/openapi.json by `make generate` (codegen/python.py): do not edit.

The contract's rules the server reads; a test fails while this file is stale against the document.
"""

from __future__ import annotations

from typing import Final

# Error.code's enum: every code an error body may carry.
ERROR_CODES: Final = (
    "VALIDATION_ERROR",
    "BAD_REQUEST",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "PAYLOAD_TOO_LARGE",
    "RATE_LIMITED",
    "INTERNAL_ERROR",
    "UNAVAILABLE",
    "CONFLICT",
    "PRECONDITION_FAILED",
    "PRECONDITION_REQUIRED",
)
# x-max-query-bytes: the longest query string any operation takes.
MAX_QUERY_BYTES: Final = 4096
# addMovie's requestBody x-max-bytes.
MAX_BODY_BYTES: Final = 16384
# addMovie's Idempotency-Key header: (minLength, maxLength).
IDEMPOTENCY_KEY_LENGTH: Final = (1, 128)
# MovieInput's x-forbidden-characters: a character class no stored text may contain.
FORBIDDEN_CHARACTERS: Final = (
    "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-"
    "\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb\\ud800-\\udfff]"
)
# MovieInput's rating and year ranges.
MIN_RATING: Final = 0
MAX_RATING: Final = 10
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100
# The sort parameter's enum (searchMovies and filterMovies).
SORT_COLUMNS: Final = ("title", "rating", "year")
# The order parameter's enum.
SORT_ORDERS: Final = ("asc", "desc")
# The order parameter's x-default-order: each column's direction when no order is given.
DEFAULT_ORDER: Final = {"relevance": "desc", "title": "asc", "rating": "desc", "year": "desc"}
# Dashboard: topGenres and moviesByYear maxItems.
TOP_GENRES: Final = 10
LATEST_YEARS: Final = 20
# Dashboard.ratingHistogram: the whole ratings it counts (then one entry for the unrated).
RATING_BUCKETS: Final = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
# The Cognito pool's password policy (the security scheme's x-password-policy).
PASSWORD_POLICY: Final = {
    "MinimumLength": 8,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireUppercase": True,
    "RequireSymbols": False,
}
