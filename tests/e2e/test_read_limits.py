"""Read routes stay bounded however large the library grows: genres come in cursor pages, and
top-rated's offset stops at 10,000 (deeper pages follow the cursor)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("library")


def test_genres_come_in_cursor_pages_that_add_up_to_every_genre(api, db) -> None:
    with db.cursor() as cur:
        cur.execute("SELECT min(genre), count(*) FROM movies GROUP BY lower(genre) ORDER BY lower(genre)")
        expected = [{"genre": g, "count": n} for g, n in cur.fetchall()]
    assert len(expected) == 13
    pages, cursor = [], None
    while True:
        body = api.get("/api/genres", params={"limit": 5, **({"cursor": cursor} if cursor else {})}).json()
        pages.append(body["genres"])
        assert body["pagination"]["limit"] == 5
        cursor = body["pagination"]["nextCursor"]
        assert body["pagination"]["hasMore"] == (cursor is not None)
        if cursor is None:
            break
    assert [len(p) for p in pages] == [5, 5, 3]
    assert [g for page in pages for g in page] == expected
    assert api.get("/api/genres").json()["genres"] == expected  # the default page holds a small library


@pytest.mark.deployable
@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor")]
)
def test_genres_bad_paging_is_400(api, params: dict, field: str) -> None:
    response = api.get("/api/genres", params=params)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == field


@pytest.mark.deployable
def test_top_rated_start_stops_at_ten_thousand_and_points_to_the_cursor(api) -> None:
    assert api.get("/api/movies/top-rated", params={"start": 10000}).status_code == 200
    response = api.get("/api/movies/top-rated", params={"start": 10001})
    assert response.status_code == 400
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "start" and "cursor" in detail["message"] and "10000" in detail["message"]
    assert "cursor" in response.json()["error"]["message"]
