"""How the ETL reads one file: what it accepts and the exact reason for what it quarantines."""

from decimal import Decimal

import pytest

from etl_task.records import Movie, Rejected, parse


def test_one_object_is_trimmed_and_collapsed() -> None:
    assert parse(b'{"title": "  The   Climb ", "genre": " Drama", "rating": 8.2, "year": 2019}') == [
        Movie("The Climb", "Drama", Decimal("8.2"), 2019)
    ]


def test_array_numeric_strings_extra_keys_and_bom() -> None:
    content = '\ufeff[{"title":"A","genre":"G","rating":"7.5","year":"2001","x":1},{"title":"B","genre":"G"}]'
    assert parse(content.encode()) == [
        Movie("A", "G", Decimal("7.5"), 2001),
        Movie("B", "G", None, None),
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"\xff\xfe\x00\x00", "not UTF-8"),
        (b'{"genre": "Drama"}', "'title' is missing"),
        (b'{"title": "   ", "genre": "Drama"}', "'title' is empty"),
        (b'{"title": "A", "genre": ""}', "'genre' is empty"),
        (b'{"title": "A\\u0000B", "genre": "G"}', "'title' contains a NUL character"),
        (b'{"title": "A", "genre": "G", "rating": 10.5}', "'rating' 10.5 is outside 0..10"),
        (b'{"title": "A", "genre": "G", "rating": "high"}', "'rating' must be a number"),
        (b'{"title": "A", "genre": "G", "year": 1899}', "'year' 1899 is outside 1900..2100"),
        (b'{"title": "A", "genre": "G", "year": 2000.5}', "'year' 2000.5 is not a whole number"),
        (b'{"title": "A", "genre": "G", "rating": true}', "'rating' must be a number"),
        (b'[{"title": "A", "genre": "G"}, 3]', "record 1: each record must be a JSON object"),
        (b"[]", "empty array"),
        (b'"just a string"', "each record must be a JSON object"),
        (b" " * 1_000_001, "larger than 1000000 bytes"),
    ],
)
def test_rejections_name_the_reason(content: bytes, reason: str) -> None:
    with pytest.raises(Rejected, match=reason):
        parse(content)
