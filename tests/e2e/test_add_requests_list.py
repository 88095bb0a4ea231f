"""GET /api/movies/requests (issue 25, B3): a user's own recent add requests, newest first, cursor-paged,
through the local gateway and the requests table's byOwner index, so "Your adds" follows the user
across devices and tabs. Nobody else's requests are listed, and a cursor cannot change whose are read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.live import User


@pytest.fixture()
def carol(stack) -> Iterator[User]:
    """A user of this test alone: the list holds exactly what the test added."""
    user = User(stack, f"recent-{uuid.uuid4().hex[:8]}@example.com")
    yield user
    user.http.close()


@pytest.fixture()
def dave(stack) -> Iterator[User]:
    user = User(stack, f"other-{uuid.uuid4().hex[:8]}@example.com")
    yield user
    user.http.close()


def _add(user: User, title: str) -> str:
    response = user.add({"title": title, "genre": "Drama", "rating": 6.5, "year": 2020})
    assert response.status_code == 202, response.text
    return str(response.json()["requestId"])


def test_a_user_lists_their_own_add_requests_newest_first_a_page_at_a_time(carol: User, dave: User) -> None:
    tag = uuid.uuid4().hex[:6]
    ids = [_add(carol, f"Recent {tag} {n}") for n in range(5)]
    others = _add(dave, f"Someone else's {tag}")
    first = carol.http.get("/api/movies/requests", params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [r["requestId"] for r in body["requests"]] == ids[::-1][:2]
    assert body["pagination"]["hasMore"] is True and body["pagination"]["limit"] == 2
    one = body["requests"][0]
    assert one["input"]["title"] == f"Recent {tag} 4" and one["status"] in ("queued", "created")
    assert "owner" not in one and "expiresAt" not in one
    seen = [r["requestId"] for r in body["requests"]]
    cursor = body["pagination"]["nextCursor"]
    while cursor:
        page = carol.http.get("/api/movies/requests", params={"limit": 2, "cursor": cursor}).json()
        seen += [r["requestId"] for r in page["requests"]]
        cursor = page["pagination"]["nextCursor"]
        assert page["pagination"]["hasMore"] is (cursor is not None)
    assert seen == ids[::-1]
    assert others not in seen
    # The other user's list is theirs alone, and carol's cursor read by dave still reads dave's requests.
    theirs = dave.http.get("/api/movies/requests", params={"limit": 1, "cursor": body["pagination"]["nextCursor"]})
    assert theirs.status_code == 200 and all(r["requestId"] not in ids for r in theirs.json()["requests"])
    assert [r["requestId"] for r in dave.http.get("/api/movies/requests").json()["requests"]] == [others]


def test_a_user_without_requests_gets_an_empty_list_and_bad_cursors_are_400(carol: User) -> None:
    empty = carol.http.get("/api/movies/requests").json()
    assert empty == {"requests": [], "pagination": {"limit": 20, "nextCursor": None, "hasMore": False}}
    bad = carol.http.get("/api/movies/requests", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "cursor"
    assert carol.http.get("/api/movies/requests", params={"limit": 0}).status_code == 400
