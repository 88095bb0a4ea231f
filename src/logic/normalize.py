"""How titles, genres and numbers are checked and cleaned before they are stored or compared.

One set of rules for the API and the ETL: a value is accepted only if PostgreSQL (and DynamoDB)
can store it exactly, so nothing accepted can fail later in the processor or the loader.
(The database's movie_key agrees with clean_text.)
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from api.movie_input import LIMITS

_SPACES = re.compile(r"\s+")
# C0 and C1 control characters (NUL among them: PostgreSQL text cannot hold it) and unpaired
# surrogates (JSON can escape them, UTF-8 cannot encode them, so neither database can store them).
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# From the document's MovieInput schema (api/movie_input.py), never restated here.
MAX_TITLE, MAX_GENRE = LIMITS.max_title, LIMITS.max_genre
MIN_YEAR, MAX_YEAR = LIMITS.min_year, LIMITS.max_year
MIN_RATING, MAX_RATING = LIMITS.min_rating, LIMITS.max_rating


class Invalid(ValueError):
    """A value that cannot be stored; `field` names it and `problem` says why (e.g. "must not be empty")."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


def clean_text(value: str) -> str:
    """Trim and collapse inner whitespace, keeping case."""
    return _SPACES.sub(" ", value).strip()


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if "\ud800" <= found.group() <= "\udfff":
        return f"must not contain unpaired surrogates ({code})"
    return f"must not contain control characters ({code})"


def text(field: str, value: Any, max_length: int) -> str:
    """A storable, cleaned, non-empty string of at most `max_length` characters."""
    if not isinstance(value, str):
        raise Invalid(field, "is required" if value is None else "must be a string")
    problem = text_problem(value)
    if problem:
        raise Invalid(field, problem)
    cleaned = clean_text(value)
    if not cleaned:
        raise Invalid(field, "must not be empty")
    if len(cleaned) > max_length:
        raise Invalid(field, f"must be at most {max_length} characters")
    return cleaned


def number(field: str, value: Any) -> Decimal | None:
    """A finite number from a JSON number or a numeric string; None for null or ""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise Invalid(field, "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(field, "must be a finite number")
    raw = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str) and (len(raw) > 40 or text_problem(raw)):
        raise Invalid(field, "must be a number")
    try:
        parsed = Decimal(raw)
    except InvalidOperation as exc:
        raise Invalid(field, f"must be a number, got {raw[:40]!r}") from exc
    if not parsed.is_finite():
        raise Invalid(field, "must be a finite number")
    return parsed


def rating(value: Decimal) -> Decimal:
    """A rating the numeric(3,1) column holds exactly (the caller decides how to treat extra places)."""
    if not MIN_RATING <= value <= MAX_RATING:
        raise Invalid("rating", f"must be between {MIN_RATING} and {MAX_RATING}")
    return value


def year(value: Decimal) -> int:
    if value != value.to_integral_value():
        raise Invalid("year", "must be a whole number")
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise Invalid("year", f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return int(value)


def genre_key(value: str) -> str:
    return clean_text(value).lower()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
