"""Turn one source file's bytes into movie rows, or a precise reason to quarantine it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain import movie_rules as normalize
from domain.movie_limits import LIMITS, Limits

MAX_FILE_BYTES = 1_000_000


MAX_TITLE, MAX_GENRE = LIMITS.max_title, LIMITS.max_genre


@dataclass(frozen=True)
class Movie:
    title: str
    genre: str
    rating: Decimal | None
    year: int | None

    def as_row(self) -> tuple[str, str, Decimal | None, int | None]:
        return (self.title, self.genre, self.rating, self.year)


class Rejected(ValueError):
    """The file cannot be loaded; the message says why."""


def _text(obj: dict[str, Any], key: str, limit: int) -> str:
    try:
        return normalize.text(key, obj.get(key), limit)
    except normalize.Invalid as exc:
        if obj.get(key) is None:
            raise Rejected(f"'{key}' is missing") from exc
        problem = {
            "must not be empty": "is empty",
            "must not contain control characters (U+0000)": "contains a NUL character",
        }.get(exc.problem, exc.problem)
        raise Rejected(f"'{key}' {problem}") from exc


def _number(obj: dict[str, Any], key: str) -> Decimal | None:
    try:
        return normalize.number(key, obj.get(key))
    except normalize.Invalid as exc:
        raise Rejected(f"'{key}' {exc.problem}") from exc


def _movie(obj: Any, limits: Limits) -> Movie:
    if not isinstance(obj, dict):
        raise Rejected("each record must be a JSON object")
    title = _text(obj, "title", limits.max_title)
    genre = _text(obj, "genre", limits.max_genre)
    rating = _number(obj, "rating")
    if rating is not None:
        if not limits.min_rating <= rating <= limits.max_rating:
            raise Rejected(f"'rating' {rating} is outside {limits.min_rating}..{limits.max_rating}")
        rating = (rating / limits.rating_step).to_integral_value(ROUND_HALF_UP) * limits.rating_step
    year_value = _number(obj, "year")
    year = None
    if year_value is not None:
        if year_value != year_value.to_integral_value():
            raise Rejected(f"'year' {year_value} is not a whole number")
        if not limits.min_year <= year_value <= limits.max_year:
            raise Rejected(f"'year' {year_value} is outside {limits.min_year}..{limits.max_year}")
        year = int(year_value)
    return Movie(title, genre, rating, year)


def parse(content: bytes, limits: Limits = LIMITS) -> list[Movie]:
    """All movies in a file (an object or an array of objects); raises Rejected for the whole file."""
    if len(content) > MAX_FILE_BYTES:
        raise Rejected(f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = content.decode("utf-8-sig")  # tolerate a byte-order mark
    except UnicodeDecodeError as exc:
        raise Rejected(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise Rejected(f"invalid JSON: {str(exc)[:120]}") from exc
    except RecursionError as exc:
        raise Rejected("invalid JSON: nested too deeply") from exc
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Rejected("empty array: no movies")
    movies = []
    for index, item in enumerate(items):
        try:
            movies.append(_movie(item, limits))
        except Rejected as exc:
            where = f"record {index}: " if isinstance(data, list) else ""
            raise Rejected(f"{where}{exc}") from exc
    return movies
