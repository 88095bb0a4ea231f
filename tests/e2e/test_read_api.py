"""The read API over real HTTP through the local gateway, on the fixture library."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.live import flush_stage_cache

pytestmark = pytest.mark.usefixtures("library")


def test_dashboard_matches_the_fixture_library(api: httpx.Client) -> None:
    body = api.get("/api/dashboard").json()
    assert body["totalMovies"] == 32
    assert body["averageRating"] == 7.4
    assert body["topGenres"][:2] == [{"genre": "Drama", "count": 6}, {"genre": "Sci-Fi", "count": 4}]
    assert [y["year"] for y in body["moviesByYear"]] == [2022, 2021, 2020, 2019, 2018, 2017, 2016]
    assert len(api.get("/api/genres").json()["genres"]) == 13


def test_stage_prefix_is_accepted(api: httpx.Client) -> None:
    assert api.get("/v1/api/dashboard").json()["totalMovies"] == 32


def test_multi_genre_filter_ignores_case_and_spaces(api: httpx.Client) -> None:
    body = api.get("/api/movies/filter", params=[("genre", "drama"), ("genre", " SCI-FI ")]).json()
    assert body["totalCount"] == 10
    assert {m["genre"] for m in body["movies"]} == {"Drama", "Sci-Fi"}
    assert body["filters"] == {"genres": ["drama", "SCI-FI"]}


def test_filter_pages_with_cursor_and_min_rating(api: httpx.Client) -> None:
    seen, cursor = [], None
    while True:
        params = [("genre", "Drama"), ("genre", "Sci-Fi"), ("limit", "3"), ("minRating", "7")]
        body = api.get("/api/movies/filter", params=params + ([("cursor", cursor)] if cursor else [])).json()
        seen += body["movies"]
        assert all(m["rating"] >= 7 for m in body["movies"])
        cursor = body["pagination"]["nextCursor"]
        if not body["pagination"]["hasMore"]:
            break
    assert len(seen) == body["totalCount"] == len({m["id"] for m in seen})
    ratings = [m["rating"] for m in seen]
    assert ratings == sorted(ratings, reverse=True)


def test_search_finds_all_bloom_titles(api: httpx.Client) -> None:
    titles = [m["title"] for m in api.get("/api/movies/search", params={"title": "BLOOM"}).json()["movies"]]
    assert titles == ["Bloom Again", "Midnight Bloom", "Midnight Bloom"]


def test_search_pages(api: httpx.Client) -> None:
    by_title = {"title": "e", "sort": "title", "limit": 5}
    first = api.get("/api/movies/search", params=by_title).json()
    assert first["pagination"]["hasMore"] is True
    second = api.get("/api/movies/search", params={**by_title, "cursor": first["pagination"]["nextCursor"]}).json()
    ids = [m["id"] for m in first["movies"] + second["movies"]]
    assert len(ids) == len(set(ids)) == 10
    titles = [m["title"] for m in first["movies"] + second["movies"]]
    assert titles == sorted(titles)


def test_wildcards_in_search_are_literal(api: httpx.Client, db) -> None:
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre) VALUES ('100% Real', 'Drama'), ('A_B \\ C', 'Drama')")
    assert [m["title"] for m in api.get("/api/movies/search", params={"title": "%"}).json()["movies"]] == ["100% Real"]
    assert [m["title"] for m in api.get("/api/movies/search", params={"title": "_"}).json()["movies"]] == ["A_B \\ C"]
    assert [m["title"] for m in api.get("/api/movies/search", params={"title": "\\"}).json()["movies"]] == ["A_B \\ C"]


def test_top_rated_pages_of_five_cover_everything_in_order(api: httpx.Client, db) -> None:
    with db.cursor() as cur:
        cur.execute("SELECT id::text FROM movies ORDER BY rating DESC NULLS LAST, title, id")
        expected = [r[0] for r in cur.fetchall()]
    ids, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/movies/top-rated", params=params).json()
        assert body["pagination"]["start"] == pages * 5
        assert body["pagination"]["total"] == 32
        ids += [m["id"] for m in body["movies"]]
        pages += 1
        cursor = body["pagination"]["nextCursor"]
        if not body["pagination"]["hasMore"]:
            break
    assert ids == expected and len(ids) == 32 and pages == 7
    assert cursor is None
    # The seed's start/limit paging gives the same order.
    by_start = []
    for start in range(0, 32, 5):
        page = api.get("/api/movies/top-rated", params={"start": start, "limit": 5}).json()
        by_start += [m["id"] for m in page["movies"]]
    assert by_start == expected


def test_null_ratings_sort_last(api: httpx.Client, db) -> None:
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre, rating) VALUES ('Aaa Unrated', 'Drama', NULL)")
    body = api.get("/api/movies/top-rated", params={"start": 30, "limit": 10}).json()
    assert body["movies"][-1]["title"] == "Aaa Unrated" and body["movies"][-1]["rating"] is None
    assert body["pagination"]["hasMore"] is False


def test_one_movie_and_not_found(api: httpx.Client) -> None:
    movie = api.get("/api/movies/search", params={"title": "Inkbound"}).json()["movies"][0]
    one = api.get(f"/api/movies/{movie['id']}")
    # A strict superset (issue 22): the movie, plus where it came from and what the caller may do with it.
    assert {k: v for k, v in one.json().items() if k not in ("source", "permissions")} == movie
    assert one.json()["source"]["kind"] == "drive" and one.headers["ETag"]
    missing = api.get("/api/movies/6f1c1e1e-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.deployable
def test_unknown_route_is_a_json_404(api: httpx.Client) -> None:
    response = api.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.deployable
def test_openapi_and_docs(api: httpx.Client) -> None:
    doc = api.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/movies/filter" in doc["paths"]
    # No API-served docs page (it loaded Swagger UI from a CDN): the UI's docs page fetches the document.
    assert api.get("/api/docs").status_code == 404


def test_dashboard_is_cached_for_the_template_ttl(stack, api: httpx.Client, db) -> None:
    assert stack.gateway.cache_ttls[("GET", "/api/dashboard")] == 30
    assert api.get("/api/dashboard").json()["totalMovies"] == 32
    with db.cursor() as cur:
        cur.execute("INSERT INTO movies (title, genre) VALUES ('Cache Probe', 'Drama')")
    assert api.get("/api/dashboard").json()["totalMovies"] == 32  # served from the cache
    flush_stage_cache(stack)  # what the TTL running out does (deployed: aws apigateway flush-stage-cache)
    assert api.get("/api/dashboard").json()["totalMovies"] == 33
