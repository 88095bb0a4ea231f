"""Turn one source file's bytes into movie rows, or a precise reason to quarantine it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from shared.normalize import clean_text

MAX_FILE_BYTES = 1_000_000
MAX_TITLE, MAX_GENRE = 255, 100


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


def _text(obj: dict, key: str, limit: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise Rejected(f"'{key}' is missing" if value is None else f"'{key}' must be a string")
    cleaned = clean_text(value)
    if "\x00" in cleaned:
        raise Rejected(f"'{key}' contains a NUL character")
    if not cleaned:
        raise Rejected(f"'{key}' is empty")
    if len(cleaned) > limit:
        raise Rejected(f"'{key}' is longer than {limit} characters")
    return cleaned


def _number(obj: dict, key: str) -> Decimal | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Rejected(f"'{key}' must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Rejected(f"'{key}' must be a finite number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Rejected(f"'{key}' must be a number, got {str(value)[:40]!r}") from exc
    if not number.is_finite():
        raise Rejected(f"'{key}' must be a finite number")
    return number


def _movie(obj: Any) -> Movie:
    if not isinstance(obj, dict):
        raise Rejected("each record must be a JSON object")
    title = _text(obj, "title", MAX_TITLE)
    genre = _text(obj, "genre", MAX_GENRE)
    rating = _number(obj, "rating")
    if rating is not None:
        if not 0 <= rating <= 10:
            raise Rejected(f"'rating' {rating} is outside 0..10")
        rating = rating.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    year_value = _number(obj, "year")
    year = None
    if year_value is not None:
        if year_value != year_value.to_integral_value():
            raise Rejected(f"'year' {year_value} is not a whole number")
        year = int(year_value)
        if not 1900 <= year <= 2100:
            raise Rejected(f"'year' {year} is outside 1900..2100")
    return Movie(title, genre, rating, year)


def parse(content: bytes) -> list[Movie]:
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
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Rejected("empty array: no movies")
    movies = []
    for index, item in enumerate(items):
        try:
            movies.append(_movie(item))
        except Rejected as exc:
            where = f"record {index}: " if isinstance(data, list) else ""
            raise Rejected(f"{where}{exc}") from exc
    return movies
