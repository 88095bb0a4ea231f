"""logic/library with movie_reads and db faked (tests/unit/fakes.py): the dashboard's shape, and that every
listing's pages, walked by their cursors in every order, give each matching movie once in the right order;
cursors for another listing or order, or forged, are a 400 before the database is asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.errors import status_of
from data import movie_reads
from domain import cursors
from domain.errors import NotFound, ValidationError
from logic import library
from tests.unit.fakes import FakeDb, FakeMovieReads, install


def _movie(n: int, title: str, genre: str, rating: float | None, year: int | None) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "title": title,
        "genre": genre,
        "rating": rating,
        "year": year,
        "created_at": f"2026-11-{n:02d}T10:00:00+00:00",
    }


MOVIES = [
    _movie(1, "Alpha", "Drama", 8.5, 2001),
    _movie(2, "Beta", "Comedy", 8.5, 1999),
    _movie(3, "Gamma 50%", "Drama", 7.0, 2010),
    _movie(4, "Delta_Force", "Action", None, 2005),
    _movie(5, "Epsilon", "drama", 9.1, None),
    _movie(6, "Zeta", "Comedy", 7.0, 2010),
    _movie(7, "Eta", "Horror", None, None),
    _movie(8, "Theta", "Drama", 3.2, 1995),
    _movie(9, "Iota", "Comedy", 10.0, 2020),
    _movie(10, "Kappa", "Drama", 0.0, 2001),
]
# Every order by hand: ties by title; no rating / no year last either way.
ORDERS = {
    ("title", "asc"): ["Alpha", "Beta", "Delta_Force", "Epsilon", "Eta", "Gamma 50%", "Iota", "Kappa", "Theta", "Zeta"],
    ("title", "desc"): ["Zeta", "Theta", "Kappa", "Iota", "Gamma 50%", "Eta", "Epsilon", "Delta_Force", "Beta", "Alpha"],
    ("rating", "desc"): ["Iota", "Epsilon", "Alpha", "Beta", "Gamma 50%", "Zeta", "Theta", "Kappa", "Delta_Force", "Eta"],
    ("rating", "asc"): ["Kappa", "Theta", "Gamma 50%", "Zeta", "Alpha", "Beta", "Epsilon", "Iota", "Delta_Force", "Eta"],
    ("year", "desc"): ["Iota", "Gamma 50%", "Zeta", "Delta_Force", "Alpha", "Kappa", "Beta", "Theta", "Epsilon", "Eta"],
    ("year", "asc"): ["Theta", "Beta", "Alpha", "Kappa", "Delta_Force", "Gamma 50%", "Zeta", "Iota", "Epsilon", "Eta"],
}
GENRES = [
    {"genre": g, "count": n, "key": g.lower()}
    for g, n in [("Action", 1), ("Comedy", 3), ("Drama", 5), ("Horror", 1), ("Musical", 0)]
]


@pytest.fixture()
def fake_db(monkeypatch: pytest.MonkeyPatch) -> FakeDb:
    return install(monkeypatch, library, "db", FakeDb())


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch, fake_db: FakeDb) -> FakeMovieReads:
    return install(monkeypatch, library, "movie_reads", FakeMovieReads(list(MOVIES), GENRES))


def walk(fetch: Callable[[str | None], dict[str, Any]], key: str = "movies") -> list[list[Any]]:
    """Every page of a listing, following nextCursor until hasMore is false."""
    pages: list[list[Any]] = []
    cursor = None
    for _ in range(50):
        body = fetch(cursor)
        pages.append(body[key])
        pagination = body["pagination"]
        if not pagination["hasMore"]:
            assert pagination["nextCursor"] is None
            return pages
        assert pagination["nextCursor"]
        cursor = pagination["nextCursor"]
    raise AssertionError("the pages never ended")


def titles(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [m["title"] for page in pages for m in page]


def assert_bad_cursor(action: Callable[[], object], fake_db: FakeDb, says: str = "nextCursor") -> None:
    with pytest.raises(ValidationError) as raised:
        action()
    assert status_of(raised.value) == 400 and raised.value.details[0]["field"] == "cursor"
    assert says in raised.value.message
    assert fake_db.calls == 0, "a bad cursor is refused before the database is asked"


# --- dashboard, genres, one movie ----------------------------------------------------------------------

STATS = {
    "total": 10,
    "unrated": 2,
    "average": 6.7,
    "top_genres": [{"genre": "Drama", "count": 5}, {"genre": "Comedy", "count": 3}],
    "latest_years": [{"year": 2020, "count": 1}, {"year": 2010, "count": 2}],
    "years": [{"year": 2010, "count": 2}, {"year": 2020, "count": 1}],
    "buckets": {bucket: (1 if bucket in (0, 3, 10) else 2 if bucket in (7, 8) else 0) for bucket in range(11)},
}


def test_the_dashboard_keeps_the_seeds_four_fields_first_then_the_richer_ones(
    monkeypatch: pytest.MonkeyPatch, fake_db: FakeDb
) -> None:
    newest = {"id": MOVIES[9]["id"], "title": "Kappa", "created_at": MOVIES[9]["created_at"]}
    reads = FakeMovieReads(MOVIES, stats=STATS, newest=newest)
    monkeypatch.setattr(library, "movie_reads", reads)

    body = library.dashboard()

    assert list(body)[:4] == ["totalMovies", "averageRating", "topGenres", "moviesByYear"]
    assert body == {
        "totalMovies": 10,
        "averageRating": 6.7,
        "topGenres": STATS["top_genres"],
        "moviesByYear": STATS["latest_years"],
        "yearHistogram": STATS["years"],
        "ratingHistogram": [{"rating": b, "count": STATS["buckets"][b]} for b in range(11)] + [{"rating": None, "count": 2}],
        "unratedMovies": 2,
        "newest": newest,
    }
    assert reads.calls == [("dashboard_stats", (library.TOP_GENRES, library.LATEST_YEARS))]
    assert fake_db.calls == 1  # the stats and the newest movie are read in one transaction


def test_an_empty_librarys_dashboard_has_no_average_and_no_newest(monkeypatch: pytest.MonkeyPatch, fake_db: FakeDb) -> None:
    empty = {
        **STATS,
        "total": 0,
        "unrated": 0,
        "average": None,
        "top_genres": [],
        "latest_years": [],
        "years": [],
        "buckets": dict.fromkeys(range(11), 0),
    }
    monkeypatch.setattr(library, "movie_reads", FakeMovieReads([], stats=empty))

    body = library.dashboard()

    assert body["totalMovies"] == 0 and body["averageRating"] is None and body["newest"] is None
    assert len(body["ratingHistogram"]) == 12 and {b["count"] for b in body["ratingHistogram"]} == {0}


def test_genres_page_through_every_genre_once(reads: FakeMovieReads) -> None:
    pages = walk(lambda cursor: library.genres(limit=2, cursor=cursor), key="genres")

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [g for page in pages for g in page] == [{"genre": g["genre"], "count": g["count"]} for g in GENRES]


def test_a_genres_cursor_is_not_a_movie_listings(reads: FakeMovieReads, fake_db: FakeDb) -> None:
    cursor = library.genres(limit=1)["pagination"]["nextCursor"]
    fake_db.calls = 0
    assert_bad_cursor(lambda: library.search("a", 3, cursor=cursor), fake_db)


def test_one_movie_or_a_404(reads: FakeMovieReads) -> None:
    assert library.movie(MOVIES[2]["id"]) == MOVIES[2]
    with pytest.raises(NotFound) as raised:
        library.movie("00000000-0000-4000-8000-000000000099")
    assert status_of(raised.value) == 404


# --- search -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "order"), list(ORDERS))
def test_search_pages_in_every_order_give_each_match_once(reads: FakeMovieReads, sort: str, order: str) -> None:
    pages = walk(lambda cursor: library.search("A", 3, cursor=cursor, sort=sort, order=order))

    assert titles(pages) == [t for t in ORDERS[(sort, order)] if "a" in t.lower()]  # all but Epsilon
    assert [len(p) for p in pages] == [3, 3, 3]


def test_search_by_title_lists_titles_a_to_z(reads: FakeMovieReads) -> None:
    body = library.search("eta", 10, sort="title")
    assert [m["title"] for m in body["movies"]] == ["Beta", "Eta", "Theta", "Zeta"]
    assert body["pagination"] == {"limit": 10, "nextCursor": None, "hasMore": False}
    assert body["didYouMean"] == []  # always present; suggestions come with relevance order only


@pytest.mark.parametrize(
    ("query", "found"), [("50%", ["Gamma 50%"]), ("_", ["Delta_Force"]), ("  delta_ ", ["Delta_Force"]), ("%%", [])]
)
def test_search_takes_wildcards_literally_and_ignores_surrounding_spaces(
    reads: FakeMovieReads, query: str, found: list[str]
) -> None:
    assert [m["title"] for m in library.search(query, 10, sort="title")["movies"]] == found


def test_a_search_cursor_continues_only_its_own_order(reads: FakeMovieReads, fake_db: FakeDb) -> None:
    cursor = library.search("a", 2, sort="title")["pagination"]["nextCursor"]
    fake_db.calls = 0

    assert_bad_cursor(
        lambda: library.search("a", 2, cursor=cursor, sort="rating"), fake_db, says="sorted by title asc, not by rating desc"
    )
    assert_bad_cursor(
        lambda: library.search("a", 2, cursor=cursor, sort="title", order="desc"), fake_db, says="not by title desc"
    )
    assert_bad_cursor(lambda: library.search("a", 2, cursor=cursor), fake_db, says="not by relevance desc")


def test_relevance_is_best_match_first_only(fake_db: FakeDb) -> None:
    with pytest.raises(ValidationError) as raised:
        library.search("a", 2, sort="relevance", order="asc")
    assert raised.value.details == [{"field": "order", "message": "sort=relevance takes desc only"}]
    assert fake_db.calls == 0


@pytest.mark.parametrize("score", ["3.5", "-0.1", "nan", "inf", "x", None])
def test_a_forged_relevance_cursor_is_a_400(fake_db: FakeDb, score: str | None) -> None:
    payload = {"k": "search", "s": "relevance", "o": "desc", "t": "alpha", "id": MOVIES[0]["id"]}
    cursor = cursors.encode(payload if score is None else {**payload, "r": score})
    assert_bad_cursor(lambda: library.search("a", 2, cursor=cursor), fake_db)


@pytest.mark.parametrize("rank", [None, "-10.5", "2", "inf", "x", "nan"])
def test_a_contains_tier_cursor_needs_a_rank_it_could_have_issued(fake_db: FakeDb, rank: str | None) -> None:
    """The contains tier pages best-rated first: its cursors carry the rank key (-rating, 1 for none)."""
    payload = {"k": "search", "s": "relevance", "o": "desc", "r": "1.0", "t": "Alpha", "id": MOVIES[0]["id"]}
    cursor = cursors.encode(payload if rank is None else {**payload, "n": rank})
    assert_bad_cursor(lambda: library.search("a", 2, cursor=cursor), fake_db)


# --- filter -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "order"), list(ORDERS))
def test_filter_pages_in_every_order_give_each_movie_once_with_the_total(reads: FakeMovieReads, sort: str, order: str) -> None:
    totals: list[int] = []

    def fetch(cursor: str | None) -> dict[str, Any]:
        body = library.filter_movies(4, cursor=cursor, sort=sort, order=order)
        totals.append(body["totalCount"])
        return body

    pages = walk(fetch)

    assert titles(pages) == ORDERS[(sort, order)]
    assert totals == [10, 10, 10]


def test_filter_defaults_to_the_highest_rated_first(reads: FakeMovieReads) -> None:
    body = library.filter_movies(20)
    assert [m["title"] for m in body["movies"]] == ORDERS[("rating", "desc")]
    assert body["filters"] == {} and body["pagination"]["hasMore"] is False


def test_filter_matches_genres_by_key_and_echoes_what_was_asked(reads: FakeMovieReads) -> None:
    body = library.filter_movies(10, genre=["drama", " DRAMA ", "Horror"], minRating=3, year=None)

    assert [m["title"] for m in body["movies"]] == ["Epsilon", "Alpha", "Gamma 50%", "Theta"]
    assert body["totalCount"] == 4
    assert body["filters"] == {"genres": ["drama", "DRAMA", "Horror"], "minRating": 3}
    assert reads.calls[0][1][:3] == (["drama", "horror"], 3, None)  # one key per genre, in a stable order


def test_filter_by_year_and_minimum_rating_counts_all_matches_not_the_page(reads: FakeMovieReads) -> None:
    by_year = library.filter_movies(1, year=2010)
    assert [m["title"] for m in by_year["movies"]] == ["Gamma 50%"] and by_year["totalCount"] == 2
    assert by_year["filters"] == {"year": 2010} and by_year["pagination"]["hasMore"] is True

    rated = library.filter_movies(10, minRating=0)  # unrated movies do not pass a minimum, even 0
    assert rated["totalCount"] == 8 and "Eta" not in [m["title"] for m in rated["movies"]]


def test_a_filter_cursor_from_before_sorting_existed_continues_the_default_order(reads: FakeMovieReads, fake_db: FakeDb) -> None:
    alpha = next(m for m in MOVIES if m["title"] == "Alpha")
    legacy = cursors.encode({"k": "filter", "r": "-8.5", "t": "Alpha", "id": alpha["id"]})  # no "s"/"o"

    body = library.filter_movies(2, cursor=legacy)

    assert [m["title"] for m in body["movies"]] == ["Beta", "Gamma 50%"]
    fake_db.calls = 0
    assert_bad_cursor(
        lambda: library.filter_movies(2, cursor=legacy, sort="year"), fake_db, says="sorted by rating desc, not by year desc"
    )


@pytest.mark.parametrize(
    ("stored", "sort", "order", "written"),
    [
        ("-\u0667.5", "rating", "desc", "-7.5"),  # Arabic-Indic digits: Decimal reads them, PostgreSQL does not
        ("-7.0", "rating", "desc", "-7.0"),
        ("1E-0", "rating", "desc", "1"),
        ("-2.001E+3", "year", "desc", "-2001"),  # ::int refuses an exponent
    ],
)
def test_a_cursor_key_reaches_the_sql_written_as_postgresql_reads_it(stored: str, sort: str, order: str, written: str) -> None:
    assert library._key_value(stored, movie_reads.SORT_KEYS[(sort, order)]) == written


@pytest.mark.parametrize(
    ("sort", "order", "key"),
    [
        ("rating", "desc", "5"),  # a descending rating key is -10 … 1
        ("rating", "desc", "NaN"),
        ("rating", "asc", "-1"),
        ("year", "asc", "2000.5"),  # year keys are whole numbers
        ("year", "desc", "1e400"),
    ],
)
def test_a_forged_cursor_key_is_a_400_before_the_database_is_asked(
    reads: FakeMovieReads, fake_db: FakeDb, sort: str, order: str, key: str
) -> None:
    forged = cursors.encode({"k": "filter", "s": sort, "o": order, "r": key, "t": "Alpha", "id": MOVIES[0]["id"]})
    assert_bad_cursor(lambda: library.filter_movies(2, cursor=forged, sort=sort, order=order), fake_db)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        cursors.encode({"k": "search", "t": "Alpha", "id": MOVIES[0]["id"]}),
        cursors.encode({"k": "filter", "s": "rating", "o": "desc", "r": "-8.5", "t": "Alpha", "id": "not-a-uuid"}),
    ],
)
def test_a_cursor_that_is_not_this_listings_is_a_400(reads: FakeMovieReads, fake_db: FakeDb, cursor: str) -> None:
    assert_bad_cursor(lambda: library.filter_movies(2, cursor=cursor), fake_db)


# --- top rated --------------------------------------------------------------------------------------------


def test_top_rated_pages_by_cursor_carry_their_position_and_the_total(reads: FakeMovieReads) -> None:
    bodies: list[dict[str, Any]] = []

    def fetch(cursor: str | None) -> dict[str, Any]:
        bodies.append(library.top_rated(4, cursor=cursor))
        return bodies[-1]

    pages = walk(fetch)

    assert titles(pages) == ORDERS[("rating", "desc")]
    assert [(b["pagination"]["start"], b["pagination"]["total"]) for b in bodies] == [(0, 10), (4, 10), (8, 10)]
    assert [call[0] for call in reads.calls] == ["top_rated_at", "top_rated_after", "top_rated_after"]


def test_top_rated_by_start_gives_the_same_pages_as_by_cursor(reads: FakeMovieReads) -> None:
    by_start = [[m["title"] for m in library.top_rated(4, start=s)["movies"]] for s in (0, 4, 8)]
    assert [t for page in by_start for t in page] == ORDERS[("rating", "desc")]
    last = library.top_rated(4, start=8)["pagination"]
    assert last == {"start": 8, "limit": 4, "total": 10, "hasMore": False, "nextCursor": None}


def test_top_rated_refuses_start_and_cursor_together(reads: FakeMovieReads, fake_db: FakeDb) -> None:
    cursor = library.top_rated(4)["pagination"]["nextCursor"]
    fake_db.calls = 0
    with pytest.raises(ValidationError) as raised:
        library.top_rated(4, start=4, cursor=cursor)
    assert raised.value.details == [{"field": "start", "message": "not allowed together with cursor"}]
    assert fake_db.calls == 0


def test_a_filter_cursor_does_not_continue_top_rated(reads: FakeMovieReads, fake_db: FakeDb) -> None:
    cursor = library.filter_movies(4)["pagination"]["nextCursor"]
    fake_db.calls = 0
    assert_bad_cursor(lambda: library.top_rated(4, cursor=cursor), fake_db)
