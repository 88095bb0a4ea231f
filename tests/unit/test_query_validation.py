"""Query parameters are validated against the OpenAPI document, each failure naming the parameter."""

import pytest

from api import openapi
from domain import cursors
from domain.errors import ValidationError
from domain.movie_rules import clean_text, like_pattern


def test_defaults_and_coercion() -> None:
    assert openapi.parse_query("topRatedMovies", None) == {"start": 0, "limit": 10}
    assert openapi.parse_query("filterMovies", {"genre": ["Drama", "Sci-Fi"], "minRating": ["7.5"], "year": ["2019"]}) == {
        "genre": ["Drama", "Sci-Fi"],
        "minRating": 7.5,
        "year": 2019,
        "sort": "rating",
        "limit": 20,
    }
    assert openapi.parse_query("searchMovies", {"title": ["x"], "sort": ["year"], "order": ["asc"]}) == {
        "title": "x",
        "sort": "year",
        "order": "asc",
        "limit": 20,
    }


def test_unknown_parameters_are_ignored() -> None:
    assert openapi.parse_query("searchMovies", {"title": ["x"], "page": ["2"]}) == {"title": "x", "sort": "title", "limit": 20}


@pytest.mark.parametrize(
    ("operation", "query", "field", "text"),
    [
        ("searchMovies", {}, "title", "is required"),
        ("searchMovies", {"title": [""]}, "title", "must not be empty"),
        ("searchMovies", {"title": ["   "]}, "title", "must not be blank"),
        ("searchMovies", {"title": ["a\x00b"]}, "title", "NUL"),
        ("filterMovies", {"genre": ["Drama", "\x00"]}, "genre", "NUL"),
        ("searchMovies", {"title": ["a"], "limit": ["0"]}, "limit", "at least 1"),
        ("searchMovies", {"title": ["a"], "limit": ["101"]}, "limit", "at most 100"),
        ("searchMovies", {"title": ["a"], "limit": ["abc"]}, "limit", "must be an integer"),
        ("topRatedMovies", {"start": ["-1"]}, "start", "at least 0"),
        ("topRatedMovies", {"limit": ["2.5"]}, "limit", "must be an integer"),
        ("filterMovies", {"minRating": ["11"]}, "minRating", "at most 10"),
        ("filterMovies", {"minRating": ["NaN"]}, "minRating", "must be a number"),
        ("filterMovies", {"minRating": ["Infinity"]}, "minRating", "must be a number"),
        ("filterMovies", {"year": ["19999"]}, "year", "at most 2100"),
        ("filterMovies", {"genre": ["x"] * 21}, "genre", "at most 20 times"),
        ("searchMovies", {"title": ["a"], "cursor": ["not a cursor!"]}, "cursor", "invalid value"),
        ("searchMovies", {"title": ["a"], "sort": ["genre"]}, "sort", "must be one of relevance, title, rating, year"),
        ("filterMovies", {"sort": ["Rating"]}, "sort", "must be one of title, rating, year"),
        ("filterMovies", {"order": ["down"]}, "order", "must be one of asc, desc"),
    ],
)
def test_bad_parameters_name_the_field(operation: str, query: dict, field: str, text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        openapi.parse_query(operation, query)
    assert raised.value.details[0]["field"] == field
    assert text in raised.value.message and f"'{field}'" in raised.value.message


def test_long_query_string_is_rejected() -> None:
    with pytest.raises(ValidationError, match="too long"):
        openapi.parse_query("searchMovies", {"title": ["a"], "junk": ["x" * 10_000]})


def test_path_id_must_be_uuid() -> None:
    with pytest.raises(ValidationError, match="must be a UUID"):
        openapi.parse_path("getMovie", {"id": "42"})


def test_cursor_round_trip_and_kind_check() -> None:
    token = cursors.encode({"k": "search", "t": "A", "id": "6f1c1e1e-0000-4000-8000-000000000000"})
    assert cursors.decode(token, "search")["t"] == "A"
    with pytest.raises(ValidationError):
        cursors.decode(token, "top")
    with pytest.raises(ValidationError):
        cursors.decode("bm9wZQ", "search")


def test_like_pattern_makes_wildcards_literal() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
    assert clean_text("  a \t b\n") == "a b"
