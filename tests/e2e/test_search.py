"""Issue 27: search forgives typos and accents and puts the best match first (sort=relevance, the default),
keyset-paged across its tiers; didYouMean when nothing matches well; %, _ and \\ stay literal; sort=title
keeps the seed's order. Over real HTTP against real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg2
import pytest

from tests.conftest import reset_library

SERIES = [f"Velvet Harbor {n:02d}" for n in range(1, 13)]
# The series' ratings (every other title: 7.0), so the contains tier's order, best-rated first, shows.
SERIES_RATINGS = [6.5, 8.0, None, 8.0, 7.2, 9.1, 6.5, None, 7.2, 5.0, 8.0, 9.1]
BEST_RATED = [f"Velvet Harbor {n}" for n in ("06", "12", "02", "04", "11", "05", "09", "01", "07", "10", "03", "08")]
TITLES = [
    "The Godfather",
    "The Godfather Part II",
    "Amélie",
    "Café Society",
    "Spider-Man",
    "Spider-Man 2",
    "Star Wars: Episode IV - A New Hope",
    "Harbor",
    "Harbor Lights",
    "Harbour Master",
    *SERIES,
    "100% Wolf",
    "1000 Wolves",
    "ab_d",
    "abcd",
    "back\\slash",
    "backxslash",
]
Movie = dict[str, Any]


@pytest.fixture(scope="module")
def titles(stack, fixture_library) -> Iterator[list[str]]:
    reset_library(stack, None)
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        ratings = dict(zip(SERIES, SERIES_RATINGS, strict=True))
        cur.executemany(
            "INSERT INTO movies (title, genre, rating, year) VALUES (%s, 'Drama', %s, 2001)",
            [(t, ratings.get(t, 7.0)) for t in TITLES],
        )
    conn.close()
    yield TITLES
    reset_library(stack, fixture_library)


def _search(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get("/api/movies/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _titles(body: dict[str, Any]) -> list[str]:
    return [m["title"] for m in body["movies"]]


def _walk(api: httpx.Client, **params: Any) -> list[Movie]:
    seen: list[Movie] = []
    cursor = None
    for _ in range(50):
        body = _search(api, **params, **({"cursor": cursor} if cursor else {}))
        assert body["didYouMean"] == [] or cursor is None  # suggestions come with the first page only
        seen += body["movies"]
        cursor = body["pagination"]["nextCursor"]
        if not body["pagination"]["hasMore"]:
            assert cursor is None
            return seen
    raise AssertionError("the pages never ended")


def test_relevance_is_the_default_exact_then_prefix_then_contains_then_close_spellings(api: httpx.Client, titles) -> None:
    body = _search(api, title="harbor", limit=100)
    # The whole title; titles starting with the term (A to Z by their folded form); titles containing it,
    # best-rated first (no rating last, equal ratings A to Z); then a close spelling ("harbour" is not a
    # substring: pg_trgm word similarity).
    assert _titles(body) == ["Harbor", "Harbor Lights", *BEST_RATED, "Harbour Master"]
    assert body["didYouMean"] == []
    assert _search(api, title="harbor", sort="relevance", order="desc", limit=100) == body


def test_paging_through_relevance_gives_each_match_once_in_order(api: httpx.Client, titles) -> None:
    everything = _search(api, title="harbor", limit=100)["movies"]
    for limit in (1, 2, 5):
        paged = _walk(api, title="harbor", limit=limit)
        assert [m["id"] for m in paged] == [m["id"] for m in everything], limit
    # Across the close-spelling tier too, where the cursor carries the score.
    close = _search(api, title="godfater", limit=100)["movies"]
    assert [m["id"] for m in _walk(api, title="godfater", limit=1)] == [m["id"] for m in close]
    assert len(close) == 2


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("godfater", "The Godfather"),
        ("spiderman", "Spider-Man"),
        ("star wars 4", "Star Wars: Episode IV - A New Hope"),
        ("velvet harbr 07", "Velvet Harbor 07"),
        ("the godfather part 2", "The Godfather Part II"),
    ],
)
def test_a_typo_still_finds_the_title_first(api: httpx.Client, titles, typed: str, meant: str) -> None:
    assert _titles(_search(api, title=typed))[0] == meant


@pytest.mark.parametrize(("typed", "meant"), [("amelie", "Amélie"), ("AMÉLIE", "Amélie"), ("cafe", "Café Society")])
def test_accents_and_case_are_ignored(api: httpx.Client, titles, typed: str, meant: str) -> None:
    assert _titles(_search(api, title=typed)) == [meant]


def test_did_you_mean_offers_close_titles_when_nothing_matches_well(api: httpx.Client, titles) -> None:
    weak = _search(api, title="godfater")
    assert weak["didYouMean"][0] == "The Godfather"
    assert len(weak["didYouMean"]) == len(set(weak["didYouMean"])) <= 3
    # No result at all (word similarity under 0.6 everywhere), yet close enough to offer.
    for typed, offered in (("godfadder", ["The Godfather", "The Godfather Part II"]), ("amelee", ["Amélie"])):
        body = _search(api, title=typed)
        assert body["movies"] == [] and body["didYouMean"] == offered, typed
    nothing = _search(api, title="zzqqxx")
    assert nothing["movies"] == [] and nothing["didYouMean"] == []
    for good in ("the godfather", "godfather", "spider-man"):
        assert _search(api, title=good)["didYouMean"] == [], good
    assert _search(api, title="godfater", sort="title")["didYouMean"] == []  # always present


@pytest.mark.parametrize(
    ("term", "found"),
    [("%", ["100% Wolf"]), ("100%", ["100% Wolf"]), ("ab_d", ["ab_d"]), ("_", ["ab_d"]), ("back\\slash", ["back\\slash"])],
)
def test_wildcards_are_literal(api: httpx.Client, titles, term: str, found: list[str]) -> None:
    assert _titles(_search(api, title=term, sort="title", limit=100)) == found
    ranked = _titles(_search(api, title=term, limit=100))
    assert ranked[:1] == found
    # Close spellings compare letters and digits (pg_trgm): "1000 Wolves" may follow "100%" as one, ranked below
    # every literal match; a title only the wildcard would match is never among the matches themselves.
    assert "abcd" not in ranked and (len(term) > 2 or ranked == found), ranked


def test_sort_title_keeps_the_seeds_order_and_matching(api: httpx.Client, titles) -> None:
    body = _search(api, title="HARBOR", sort="title", limit=100)
    assert _titles(body) == sorted(["Harbor", "Harbor Lights", *SERIES])  # substring matches only, A to Z
    assert [m["title"] for m in _walk(api, title="harbor", sort="title", limit=5)] == _titles(body)


def test_suggestions_as_you_type_start_with_the_prefix(api: httpx.Client, titles) -> None:
    body = _search(api, title="ha", limit=8)
    assert _titles(body)[:3] == ["Harbor", "Harbor Lights", "Harbour Master"]
    assert len(body["movies"]) == 8 and body["pagination"]["hasMore"]


def test_relevance_takes_desc_only_and_its_own_cursors(api: httpx.Client, titles) -> None:
    response = api.get("/api/movies/search", params={"title": "harbor", "sort": "relevance", "order": "asc"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [{"field": "order", "message": "sort=relevance takes desc only"}]
    cursor = _search(api, title="harbor", limit=2)["pagination"]["nextCursor"]
    response = api.get("/api/movies/search", params={"title": "harbor", "sort": "title", "cursor": cursor})
    assert response.status_code == 400 and "sorted by relevance desc" in response.json()["error"]["message"]
