"""How titles, genres and numbers are checked and cleaned before they are stored or compared.

One set of rules for the API and the ETL: a value is accepted only if PostgreSQL (and DynamoDB)
can store it exactly, so nothing accepted can fail later in the processor or the loader.
(The database's movie_key agrees with clean_text.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain import contract
from domain.errors import FieldProblem, ValidationError
from domain.messages import NewMovie
from domain.movie_limits import LIMITS

_SPACES = re.compile(r"\s+")
# C0 and C1 control characters (NUL among them: PostgreSQL text cannot hold it), unpaired surrogates
# (JSON can escape them, UTF-8 cannot encode them, so neither database can store them), and invisible
# or bidirectional formatting characters (a blank-looking title; U+202E reverses the text around it).
# ZWJ and ZWNJ stay: scripts and emoji sequences need them.
# The document's MovieInput x-forbidden-characters, which the UI and the ETL check too.
_UNSTORABLE = re.compile(contract.FORBIDDEN_CHARACTERS)

# From the document's MovieInput schema (domain/movie_limits.py), never restated here.
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
    if found.group() > "\u009f":
        return f"must not contain invisible or text-direction characters ({code})"
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


def like_escape(text: str) -> str:
    """`text` for a LIKE pattern, its %, _ and \\ taken literally (LIKE's default escape is \\)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and \\ taken literally."""
    return f"%{like_escape(text)}%"


def _required_number(field: str, value: Any) -> Decimal:
    found = number(field, value)
    if found is None:
        raise Invalid(field, "is required")
    return found


def _refuse(details: list[FieldProblem]) -> ValidationError:
    summary = "; ".join(f"{d['field']} {d['message']}" for d in details)
    return ValidationError(f"Invalid movie: {summary}.", details)


def new_movie(movie: Mapping[str, Any]) -> NewMovie:
    """A schema-valid movie as it will be stored, or a ValidationError naming each field that cannot be stored."""
    checks: dict[str, Callable[[Any], Any]] = {
        "title": lambda v: text("title", v, MAX_TITLE),
        "genre": lambda v: text("genre", v, MAX_GENRE),
        "rating": lambda v: float(rating(_required_number("rating", v))),
        "year": lambda v: year(_required_number("year", v)),
    }
    out: dict[str, Any] = {}
    details: list[FieldProblem] = []
    for field, check in checks.items():
        try:
            out[field] = check(movie.get(field))
        except (Invalid, TypeError) as exc:
            problem = exc.problem if isinstance(exc, Invalid) else "is required"
            details.append({"field": field, "message": problem})
    if details:
        raise _refuse(details)
    return NewMovie(title=out["title"], genre=out["genre"], rating=out["rating"], year=out["year"])


def queued_movie(movie: Any) -> NewMovie:
    """A queued message's movie, checked as the API checked it before queueing (the object's fields and
    their JSON types, the rating's step, then new_movie), without going back through JSON text."""
    if not isinstance(movie, dict):
        raise _refuse([{"field": "body", "message": "must be an object"}])
    details: list[FieldProblem] = [
        {"field": str(f), "message": "is not a known field"} for f in movie if f not in NewMovie.__annotations__
    ]
    rating_given, year_given = movie.get("rating"), movie.get("year")
    if rating_given is not None and (isinstance(rating_given, bool) or not isinstance(rating_given, (int, float))):
        details.append({"field": "rating", "message": "must be a number"})
    if year_given is not None and (
        isinstance(year_given, bool)
        or not isinstance(year_given, (int, float))
        or (isinstance(year_given, float) and not year_given.is_integer())
    ):
        details.append({"field": "year", "message": "must be an integer"})
    rating_value = movie.get("rating")
    if (
        isinstance(rating_value, (int, float))
        and not isinstance(rating_value, bool)
        and math.isfinite(rating_value)
        and Decimal(str(rating_value)) % LIMITS.rating_step != 0
    ):
        details.append({"field": "rating", "message": "must have at most one decimal place"})
    if details:
        raise _refuse(details)
    return new_movie(movie)
