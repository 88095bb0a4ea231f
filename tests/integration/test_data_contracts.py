"""One behaviour suite per data module, run over the unit fake (tests/unit/fakes.py) and the real module,
so the fakes the unit layer trusts keep the real module's conditional semantics (src/data/protocols.py).

The real requests store runs on the session stack's moto, in a table of its own (boto3 itself, the module's
own conditions); the PostgreSQL modules (movie_writes, movie_reads) run on the stack's database, the fakes over the same rows.
Titles are chosen so the database collation and Python's code-point order agree (the fake cannot follow a
collation); tests/unit/test_fake_contracts.py checks every fake's parameters against its protocol."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from data import aws_clients, requests_store
from data.protocols import RequestsStore
from tests.unit.fakes import FakeRequests

MOVIE = {"title": "Paper Lanterns", "genre": "Drama", "rating": 7.1, "year": 2023}


@pytest.fixture(params=["fake", "real"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[RequestsStore]:
    if request.param == "fake":
        yield FakeRequests()
        return
    # A table of its own in the session stack's moto. Not moto's in-process mock_aws: leaving it resets every
    # in-process backend, which wiped the session stack's pool, queues and tables for the tests after this one.
    stack = request.getfixturevalue("stack")
    table = f"contract-requests-{uuid.uuid4().hex[:8]}"
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.resources.endpoint)
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}],
    )
    monkeypatch.setenv("REQUESTS_TABLE", table)
    aws_clients._local.__dict__.pop("tables", None)  # table resources made for the session's table names
    try:
        yield requests_store
    finally:
        aws_clients._local.__dict__.pop("tables", None)
        dynamodb.delete_table(TableName=table)


def queued(request_id: str, movie: dict[str, Any] | None = None) -> Any:
    return {
        "requestId": request_id,
        "owner": "owner-1",
        "status": "queued",
        "input": movie or MOVIE,
        "submittedAt": "2026-11-25T11:44:06.000Z",
    }


def test_create_stores_a_new_request_once(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    created, new = store.create(queued(request_id))
    again, new_again = store.create(queued(request_id, {**MOVIE, "year": 1999}))

    assert new is True and new_again is False
    assert created["input"] == MOVIE and again["input"] == MOVIE  # the first one stays
    assert isinstance(created["expiresAt"], int) and store.get(request_id) == created


def test_get_of_an_unknown_request_is_none(store: RequestsStore) -> None:
    assert store.get(str(uuid.uuid4())) is None


def test_complete_records_the_first_outcome_only(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    store.create(queued(request_id))
    movie = {"id": str(uuid.uuid4()), **MOVIE}

    assert store.complete(request_id, "created", "2026-11-25T11:44:07.000Z", movie=movie) is True
    assert (
        store.complete(request_id, "rejected", "2026-11-25T11:44:08.000Z", error={"code": "VALIDATION_ERROR", "message": "no"})
        is False
    )

    stored = store.get(request_id)
    assert stored is not None
    assert (stored["status"], stored["completedAt"], stored["movie"]) == ("created", "2026-11-25T11:44:07.000Z", movie)
    assert "error" not in stored and isinstance(stored["movie"]["year"], int)


def test_complete_of_an_unknown_request_changes_nothing(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    assert (
        store.complete(request_id, "failed", "2026-11-25T11:44:07.000Z", error={"code": "UNAVAILABLE", "message": "gone"})
        is False
    )
    assert store.get(request_id) is None


# --- PostgreSQL: data/movie_writes and data/movie_reads against FakeMovieWrites and FakeMovieReads -------------

ROWS = [
    ("Alpha 100%", "Drama", 7.5, 2001),
    ("Beta_2", "drama", 8.0, 2002),
    ("Gamma\\Delta", "Comedy", None, 2003),
    ("alpha beta", "Sci-Fi", 9.1, None),
    ("Zeta", "Drama", 7.5, 2001),
    ("Eta", "Drama", None, None),
]


def _movie(title: str, genre: str, rating: float | None, year: int | None) -> Any:
    return {"title": title, "genre": genre, "rating": rating, "year": year}


@pytest.fixture(scope="module")
def both(stack: Any, fixture_library: Any) -> Iterator[tuple[list[dict[str, Any]], Any]]:
    """The same movies inserted through the real data/movie_writes (an emptied library) and handed to the fake
    reads: (rows as PostgreSQL returned them, FakeMovieReads over those rows)."""
    from data import db, movie_writes
    from tests.conftest import reset_library
    from tests.unit.fakes import FakeMovieReads

    reset_library(stack, None)
    rows = []
    for row in ROWS:
        movie = _movie(*row)
        rows.append(db.run(lambda cur, m=movie: movie_writes.insert_movie(cur, m, str(uuid.uuid4())))[1])
    yield rows, FakeMovieReads(rows)
    reset_library(stack, fixture_library)  # leave the library as the other stack tests expect it


@pytest.mark.parametrize("pattern", ["%alpha%", "%100\\%%", "%\\_%", "%a\\\\d%", "%ETA%", "%_%", "%zz%"])
def test_title_search_matches_the_same_movies(both: Any, pattern: str) -> None:
    from data import db, movie_reads
    from tests.unit.fakes import FakeCursor

    _rows, fake = both
    real = db.run(lambda cur: movie_reads.search_by_title(cur, pattern, None, 50))
    assert sorted(m["id"] for m in fake.search_by_title(FakeCursor(), pattern, None, 50)) == sorted(m["id"] for m in real)


@pytest.mark.parametrize(
    ("sort", "order"),
    [("rating", "desc"), ("rating", "asc"), ("year", "desc"), ("year", "asc"), ("title", "asc"), ("title", "desc")],
)
def test_filtering_orders_and_pages_alike(both: Any, sort: str, order: str) -> None:
    """Drama (any case) in every order, two at a time: the keyset pages follow the same rows, each page with the
    same exact count, also the page past the end."""
    from data import db, movie_reads
    from tests.unit.fakes import FakeCursor

    _rows, fake = both
    pages: dict[str, list[str]] = {"fake": [], "real": []}
    for side in pages:
        after = None
        while True:
            if side == "real":
                page, total = db.read(
                    lambda cur, a=after: movie_reads.filter_page_and_count(cur, ["drama"], None, None, a, 2, sort, order)
                )
            else:
                page, total = fake.filter_page_and_count(FakeCursor(), ["drama"], None, None, after, 2, sort, order)
            assert total == 4
            pages[side] += [m["id"] for m in page]
            if len(page) < 2:
                break
            last = page[-1]
            after = (movie_reads.cursor_key(last, sort, order), last["title"], last["id"])
    assert pages["fake"] == pages["real"] and len(pages["real"]) == 4
    assert (
        db.read(lambda cur: movie_reads.filter_page_and_count(cur, ["drama"], 7.5, 2001, None, 5, sort, order))[1]
        == fake.filter_page_and_count(FakeCursor(), ["drama"], 7.5, 2001, None, 5, sort, order)[1]
        == 2
    )


def test_the_same_movie_is_a_duplicate_and_a_redelivery_is_its_own(both: Any) -> None:
    from data import db, movie_writes
    from tests.unit.fakes import FakeCursor, FakeMovieWrites

    fake = FakeMovieWrites()
    first, again, other = str(uuid.uuid4()), str(uuid.uuid4()), _movie("  zeta ", "DRAMA", 7.5, 2001)
    movie = _movie("Theta", "Drama", 6.5, 1999)

    def real(m: Any, request_id: str) -> tuple[bool, dict[str, Any]]:
        return db.run(lambda cur: movie_writes.insert_movie(cur, m, request_id))

    fake.insert_movie(FakeCursor(), _movie(*ROWS[4]), str(uuid.uuid4()))  # the fake's copy of the stored Zeta
    for insert in (real, lambda m, r: fake.insert_movie(FakeCursor(), m, r)):
        created, row = insert(movie, first)
        redelivered, same = insert(movie, first)
        duplicate, existing = insert(movie, again)
        spaced, zeta = insert(other, again)
        assert (created, redelivered, duplicate, spaced) == (True, True, False, False)
        assert same["id"] == existing["id"] == row["id"] and zeta["title"] == "Zeta"
