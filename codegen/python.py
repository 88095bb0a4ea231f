"""src/domain/contract.py: the document's rules the server reads, as plain constants.

Plain values need no reader at all (the ETL image has no jsonschema), and mypy sees their types. Each constant
names where in the document it comes from.
"""

from __future__ import annotations

import json
from typing import Any

from codegen import rules

_WIDTH = 120

HEADER = '''\
"""GENERATED from src/api/openapi.json by `make generate` (codegen/python.py): do not edit.

The contract's rules the server reads; a test fails while this file is stale against the document.
"""

from __future__ import annotations

from typing import Final
'''


def _literal(value: Any) -> str:
    """A Python literal for a JSON value (lists become tuples: the constants are read-only)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (list, tuple)):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)  # numbers, and strings in double quotes with JSON's escapes (Python reads them alike)


def _assignment(name: str, value: Any) -> str:
    line = f"{name}: Final = {_literal(value)}"
    if len(line) <= _WIDTH or not isinstance(value, (list, tuple, dict, str)):
        return line
    if isinstance(value, str):  # adjacent literals, each cut before a backslash (a regex's escape stays whole)
        parts, start = [], 0
        for cut in [i for i, ch in enumerate(value) if ch == "\\"] + [len(value)]:
            if cut - start > _WIDTH // 2 and cut != start:
                parts.append(value[start:cut])
                start = cut
        parts.append(value[start:])
        return "\n".join([f"{name}: Final = (", *(f"    {_literal(p)}" for p in parts if p), ")"])
    if isinstance(value, dict):  # one entry a line, as ruff's formatter would write it
        items = [f"    {json.dumps(k)}: {_literal(v)}," for k, v in value.items()]
        return "\n".join([f"{name}: Final = {{", *items, "}"])
    return "\n".join([f"{name}: Final = (", *(f"    {_literal(v)}," for v in value), ")"])


def render(document: dict[str, Any]) -> str:
    fields = rules.movie_input(document)
    rating, year = fields["rating"], fields["year"]
    sizes = rules.dashboard_sizes(document)
    constants: list[tuple[str | None, str, Any]] = [
        ("Error.code's enum: every code an error body may carry", "ERROR_CODES", rules.error_codes(document)),
        ("x-max-query-bytes: the longest query string any operation takes", "MAX_QUERY_BYTES", rules.max_query_bytes(document)),
        ("addMovie's requestBody x-max-bytes", "MAX_BODY_BYTES", rules.max_body_bytes(document)),
        (
            "addMovie's Idempotency-Key header: (minLength, maxLength)",
            "IDEMPOTENCY_KEY_LENGTH",
            rules.idempotency_key_length(document),
        ),
        (
            "MovieInput's x-forbidden-characters: a character class no stored text may contain",
            "FORBIDDEN_CHARACTERS",
            rules.forbidden_characters(document),
        ),
        ("MovieInput's rating and year ranges", "MIN_RATING", rating["minimum"]),
        (None, "MAX_RATING", rating["maximum"]),
        (None, "MIN_YEAR", year["minimum"]),
        (None, "MAX_YEAR", year["maximum"]),
        (
            "The sort parameter's enum (searchMovies and filterMovies)",
            "SORT_COLUMNS",
            rules.sort_columns(document, "filterMovies"),
        ),
        ("The order parameter's enum", "SORT_ORDERS", rules.sort_orders(document)),
        (
            "The order parameter's x-default-order: each column's direction when no order is given",
            "DEFAULT_ORDER",
            rules.default_order(document),
        ),
        ("Dashboard: topGenres and moviesByYear maxItems", "TOP_GENRES", sizes["topGenres"]),
        (None, "LATEST_YEARS", sizes["moviesByYear"]),
        (
            "Dashboard.ratingHistogram: the whole ratings it counts (then one entry for the unrated)",
            "RATING_BUCKETS",
            rules.rating_buckets(document),
        ),
        (
            "The Cognito pool's password policy (the security scheme's x-password-policy)",
            "PASSWORD_POLICY",
            rules.password_policy(document),
        ),
    ]
    out = [HEADER]
    for comment, name, value in constants:
        if comment:
            out.append(f"# {comment}.")
        out.append(_assignment(name, value))
    return "\n".join(out) + "\n"
