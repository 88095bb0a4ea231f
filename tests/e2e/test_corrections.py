"""Corrections (issue 22) on the local stack: edit and delete with roles, ETag/If-Match, audit history,
Drive movies, per-user limits, ordering against queued adds, and the aggregates through it all."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import psycopg2
import pytest

from local import aws
from tests.aggregates import assert_consistent
from tests.conftest import wait_for
from tests.e2e.live import User


@pytest.fixture()
def librarian(stack) -> Iterator[User]:
    user = User(stack, aws.DEMO_USER, aws.DEMO_PASSWORD)  # make run's demo user is in the librarians group
    yield user
    user.close()


@pytest.fixture()
def carol(stack) -> Iterator[User]:
    user = User(stack, f"carol-{uuid.uuid4().hex[:6]}@example.com")
    yield user
    user.close()


def _movie(**fields: Any) -> dict[str, Any]:
    return {"title": f"Fix Me {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 6.0, "year": 2020, **fields}


def added(user: User, **fields: Any) -> dict[str, Any]:
    """A movie `user` added through the API, once created."""
    response = user.add(_movie(**fields))
    assert response.status_code == 202, response.text
    status = user.status_of(response.json()["requestId"], timeout=60)
    assert status["status"] == "created", status
    return dict(status["movie"])


def read(user: User, movie_id: str) -> httpx.Response:
    return user.http.get(f"/api/movies/{movie_id}")


def etag(user: User, movie_id: str) -> str:
    response = read(user, movie_id)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def patch(user: User, movie_id: str, changes: dict[str, Any], if_match: str | None) -> httpx.Response:
    headers = {"If-Match": if_match} if if_match is not None else {}
    return user.http.patch(f"/api/movies/{movie_id}", json=changes, headers=headers)


def delete(user: User, movie_id: str, if_match: str | None) -> httpx.Response:
    headers = {"If-Match": if_match} if if_match is not None else {}
    return user.http.delete(f"/api/movies/{movie_id}", headers=headers)


def drive_movie(stack) -> dict[str, Any]:
    """A movie as the ETL loads it: no creating add request."""
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) VALUES (%s, 'Sci-Fi', 7.5, 2019) RETURNING id",
            (f"Drive {uuid.uuid4().hex[:8]}",),
        )
        movie_id = str(cur.fetchone()[0])
    conn.close()
    return {"id": movie_id}


def test_an_adder_corrects_their_own_movie_with_if_match(stack, alice) -> None:
    movie = added(alice)
    shown = read(alice, movie["id"])
    assert shown.json()["permissions"] == {"edit": True, "delete": True, "history": True}
    assert shown.json()["source"] == {"kind": "api"}
    first = shown.headers["ETag"]

    missing = patch(alice, movie["id"], {"rating": 8}, None)
    assert missing.status_code == 428 and missing.json()["error"]["code"] == "PRECONDITION_REQUIRED"

    done = patch(alice, movie["id"], {"rating": 8, "title": "  Fixed   Title "}, first)
    assert done.status_code == 200, done.text
    assert done.json()["rating"] == 8.0 and done.json()["title"] == "Fixed Title"  # normalised as an add is
    assert done.headers["ETag"] != first and done.headers["ETag"] == etag(alice, movie["id"])

    stale = patch(alice, movie["id"], {"rating": 9}, first)
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"]["movie"]["rating"] == 8.0  # the movie as it is now
    assert stale.headers["ETag"] == done.headers["ETag"]

    cleared = patch(alice, movie["id"], {"rating": None}, done.headers["ETag"])
    assert cleared.status_code == 200 and cleared.json()["rating"] is None

    history = alice.http.get(f"/api/movies/{movie['id']}/history", params={"limit": 1})
    assert history.status_code == 200, history.text
    page = history.json()
    assert [e["action"] for e in page["entries"]] == ["edit"] and page["pagination"]["hasMore"]
    assert page["entries"][0]["before"]["rating"] == 8.0 and page["entries"][0]["after"]["rating"] is None
    assert page["entries"][0]["actor"]["sub"] == alice.sub
    rest = alice.http.get(
        f"/api/movies/{movie['id']}/history", params={"limit": 5, "cursor": page["pagination"]["nextCursor"]}
    ).json()
    assert [e["after"]["rating"] for e in rest["entries"]] == [8.0] and not rest["pagination"]["hasMore"]

    gone = delete(alice, movie["id"], cleared.headers["ETag"])
    assert gone.status_code == 204, gone.text
    assert read(alice, movie["id"]).status_code == 404
    assert delete(alice, movie["id"], cleared.headers["ETag"]).status_code == 404
    after = alice.http.get(f"/api/movies/{movie['id']}/history").json()  # still readable by its adder
    assert [e["action"] for e in after["entries"]] == ["delete", "edit", "edit"]


def test_a_plain_user_may_not_touch_someone_elses_movie(stack, alice, bob) -> None:
    movie = added(alice)
    tag = etag(alice, movie["id"])
    assert read(bob, movie["id"]).json()["permissions"] == {"edit": False, "delete": False, "history": False}
    refused = patch(bob, movie["id"], {"rating": 1}, tag)
    assert refused.status_code == 403 and refused.json()["error"]["reason"] == "notYours"
    assert "librarians" in refused.json()["error"]["message"]
    assert delete(bob, movie["id"], tag).status_code == 403
    assert bob.http.get(f"/api/movies/{movie['id']}/history").status_code == 403
    assert etag(alice, movie["id"]) == tag  # nothing changed


def test_a_librarian_corrects_and_deletes_anyones_add(stack, alice, librarian) -> None:
    movie = added(alice)
    assert read(librarian, movie["id"]).json()["permissions"] == {"edit": True, "delete": True, "history": True}
    done = patch(librarian, movie["id"], {"genre": "Comedy", "year": 2021}, etag(librarian, movie["id"]))
    assert done.status_code == 200 and (done.json()["genre"], done.json()["year"]) == ("Comedy", 2021)
    assert delete(librarian, movie["id"], done.headers["ETag"]).status_code == 204
    entries = alice.http.get(f"/api/movies/{movie['id']}/history").json()["entries"]
    assert [(e["action"], e["actor"]["librarian"]) for e in entries] == [("delete", True), ("edit", True)]


def test_bad_input_names_the_field_and_changes_nothing(stack, alice) -> None:
    movie = added(alice)
    tag = etag(alice, movie["id"])
    cases = [
        ({"rating": 11}, "rating"),
        ({"rating": 7.25}, "rating"),
        ({"year": 1800}, "year"),
        ({"year": "2020"}, "year"),
        ({"title": "   "}, "title"),
        ({"genre": "a" * 101}, "genre"),
        ({"title": "bad\u0007bell"}, "title"),
        ({"owner": "me"}, "owner"),
        ({}, "body"),
    ]
    for changes, field in cases:
        response = patch(alice, movie["id"], changes, tag)
        assert response.status_code == 400, (changes, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]], (changes, response.text)
    not_json = alice.http.patch(f"/api/movies/{movie['id']}", content=b"{", headers={"If-Match": tag})
    assert not_json.status_code == 400
    assert alice.http.patch("/api/movies/not-a-uuid", json={"rating": 1}, headers={"If-Match": tag}).status_code == 400
    too_long = patch(alice, movie["id"], {"rating": 1}, "0" * 201)
    assert too_long.status_code == 400 and too_long.json()["error"]["details"][0]["field"] == "If-Match"
    assert etag(alice, movie["id"]) == tag


def test_an_edit_that_equals_another_movie_is_a_409_naming_it(stack, alice) -> None:
    one, two = added(alice), added(alice)
    response = patch(alice, two["id"], {"title": one["title"].upper()}, etag(alice, two["id"]))
    assert response.status_code == 409, response.text
    assert response.json()["error"]["reason"] == "duplicate"
    assert response.json()["error"]["movie"]["id"] == one["id"]


def test_drive_movies_are_edited_in_drive_and_only_librarians_remove_them(stack, alice, librarian) -> None:
    movie = drive_movie(stack)
    tag = etag(librarian, movie["id"])
    assert read(alice, movie["id"]).json()["source"]["kind"] == "drive"
    assert read(librarian, movie["id"]).json()["permissions"] == {"edit": False, "delete": True, "history": True}
    edit = patch(librarian, movie["id"], {"rating": 9}, tag)
    assert edit.status_code == 409 and edit.json()["error"]["reason"] == "fromDrive"
    assert edit.json()["error"]["source"]["kind"] == "drive"
    refused = delete(alice, movie["id"], tag)
    assert refused.status_code == 403 and refused.json()["error"]["reason"] == "driveNeedsLibrarian"
    assert delete(librarian, movie["id"], tag).status_code == 204
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT suppressed_by, title_key FROM movie_suppressions WHERE movie_id = %s", (movie["id"],))
        rows = cur.fetchall()
    conn.close()
    assert len(rows) == 1 and rows[0][0] == librarian.sub
    assert librarian.http.get(f"/api/movies/{movie['id']}/history").json()["entries"][0]["suppressed"] is True


def test_two_editors_with_the_same_etag_one_wins(stack, alice, librarian) -> None:
    movie = added(alice)
    tag = etag(alice, movie["id"])
    results: list[int] = []
    barrier = threading.Barrier(2)

    def edit(user: User, rating: float) -> None:
        barrier.wait()
        results.append(patch(user, movie["id"], {"rating": rating}, tag).status_code)

    threads = [threading.Thread(target=edit, args=(alice, 3.0)), threading.Thread(target=edit, args=(librarian, 4.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [200, 412]


def test_edits_and_deletes_count_against_the_per_user_limit(stack, monkeypatch, carol) -> None:
    carol.connect()
    if time.time() % 60 > 40:  # the add, the edit and the delete inside one minute window
        wait_for(lambda: time.time() % 60 < 5, timeout=25)
    movie = added(carol)
    tag = etag(carol, movie["id"])
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "2")  # the add above counted one
    first = patch(carol, movie["id"], {"rating": 7}, tag)
    assert first.status_code == 200
    refused = delete(carol, movie["id"], first.headers["ETag"])
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert read(carol, movie["id"]).status_code == 200  # nothing deleted


def _queue_url(stack) -> str:
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    return str(sqs.get_queue_url(QueueName="AddQueue.fifo")["QueueUrl"])


def _redeliver(stack, owner: str, request_id: str, movie: dict[str, Any]) -> None:
    """The same queued add once more (SQS is at-least-once), then wait until the processor took it."""
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    url = _queue_url(stack)
    body = {
        "requestId": request_id,
        "owner": owner,
        "submittedAt": "2026-01-01T00:00:00.000Z",
        "movie": {k: movie[k] for k in ("title", "genre", "rating", "year")},
    }
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(body),
        MessageGroupId=owner,
        MessageDeduplicationId=f"{request_id}-again-{uuid.uuid4().hex[:6]}",
    )

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return attributes["ApproximateNumberOfMessages"] == "0" == attributes["ApproximateNumberOfMessagesNotVisible"]

    wait_for(drained, timeout=60)


def _rows_of_request(stack, request_id: str) -> list[tuple]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title, rating FROM movies WHERE request_id = %s", (request_id,))
        rows = cur.fetchall()
    conn.close()
    return rows


def test_a_redelivered_add_never_undoes_an_edit_or_a_delete(stack, alice) -> None:
    """DESIGN §5 ordering: the processor finds its request's row (or tombstone) before inserting."""
    response = alice.add(original := _movie())
    request_id = response.json()["requestId"]
    movie = alice.status_of(request_id, timeout=60)["movie"]
    edited = patch(alice, movie["id"], {"title": "Edited After Add", "rating": 2}, etag(alice, movie["id"]))
    assert edited.status_code == 200
    _redeliver(stack, alice.sub, request_id, original)
    assert _rows_of_request(stack, request_id) == [("Edited After Add", 2)]  # no second row, edit kept

    assert delete(alice, movie["id"], edited.headers["ETag"]).status_code == 204
    _redeliver(stack, alice.sub, request_id, original)
    assert _rows_of_request(stack, request_id) == []  # the deleted movie did not come back
    status = alice.http.get(f"/api/movies/requests/{request_id}").json()
    assert status["status"] == "created"  # the request's one terminal status is unchanged


def test_mixed_concurrent_corrections_and_adds_keep_the_aggregates_exact(stack, alice, librarian) -> None:
    movies = []
    for i, (g, r, y) in enumerate(
        [
            ("Drama", 6.0, 2020),
            ("Horror", 7.5, 2011),
            ("Drama", 1.0, 2012),
            ("Comedy", 9.0, 2020),
            ("Western", 3.3, 2001),
            ("Horror", 4.0, 2011),
            ("Noir", 8.8, 1999),
            ("Drama", 5.5, 2005),
            ("Opera", 2.2, 1990),
            ("Noir", 6.6, 1998),
        ]
    ):
        movies.append(added(alice, genre=g, rating=r, year=y, title=f"Mix {i} {uuid.uuid4().hex[:6]}"))
    tags = {m["id"]: etag(alice, m["id"]) for m in movies}
    statuses: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        movie = movies[i % len(movies)]
        if i < 10:
            response = patch(
                librarian,
                movie["id"],
                {
                    "genre": ["Musical", "drama", "HORROR"][i % 3],
                    "rating": None if i % 4 == 0 else (i % 10) + 0.5,
                    "year": 2000 + i,
                },
                tags[movie["id"]],
            )
        elif i < 20:
            response = delete(librarian, movie["id"], tags[movie["id"]])
        else:
            response = alice.add(_movie(genre="Drama" if i % 2 else "Late Genre", rating=float(i % 10), year=2010 + i % 5))
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(statuses) == 30 and set(statuses) <= {200, 202, 204, 404, 412}, statuses
    assert statuses.count(202) == 10
    # Each movie got one edit and one delete against the same ETag: whichever came first won.
    assert statuses.count(200) + statuses.count(204) == 10
    wait_for(lambda: _queue_empty(stack), timeout=60)
    assert_consistent(stack.database_url)


def _queue_empty(stack) -> bool:
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    attributes = sqs.get_queue_attributes(
        QueueUrl=_queue_url(stack), AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return attributes["ApproximateNumberOfMessages"] == "0" == attributes["ApproximateNumberOfMessagesNotVisible"]


def test_the_newest_addition_tile_moves_on_when_its_movie_is_deleted(stack, alice) -> None:
    older, newest = added(alice), added(alice)

    def tile() -> dict[str, Any]:
        stack.gateway.flush_cache()  # the dashboard's stage cache (DashboardCache=true in the tests)
        return dict(alice.http.get("/api/dashboard").json()["newest"])

    assert tile()["id"] == newest["id"]
    total = alice.http.get("/api/dashboard").json()["totalMovies"]
    assert delete(alice, newest["id"], etag(alice, newest["id"])).status_code == 204
    assert tile()["id"] == older["id"]
    stack.gateway.flush_cache()
    assert alice.http.get("/api/dashboard").json()["totalMovies"] == total - 1
    assert_consistent(stack.database_url)


@pytest.mark.deployable
def test_the_signed_in_user_edits_and_deletes_their_own_add(stack, api: httpx.Client) -> None:
    """The deployable subset's corrections: only the API and the signed-in user's own add."""
    accepted = api.post("/api/movies", json=_movie(genre="Deployable"))
    assert accepted.status_code == 202, accepted.text

    def created() -> dict[str, Any] | None:
        status = api.get(accepted.json()["statusUrl"].removeprefix("/v1")).json()
        return status if status["status"] != "queued" else None

    status = wait_for(created, timeout=120, interval=0.5)
    assert isinstance(status, dict) and status["status"] == "created", status
    movie_id = status["movie"]["id"]
    tag = api.get(f"/api/movies/{movie_id}").headers["ETag"]
    assert api.patch(f"/api/movies/{movie_id}", json={"rating": 9.5}).status_code == 428
    edited = api.patch(f"/api/movies/{movie_id}", json={"rating": 9.5}, headers={"If-Match": tag})
    assert edited.status_code == 200 and edited.json()["rating"] == 9.5, edited.text
    assert api.delete(f"/api/movies/{movie_id}", headers={"If-Match": tag}).status_code == 412
    assert api.delete(f"/api/movies/{movie_id}", headers={"If-Match": edited.headers["ETag"]}).status_code == 204
    assert api.get(f"/api/movies/{movie_id}").status_code == 404


def _library_messages(user: User, until: Any, timeout: float = 20.0) -> list[tuple[float, dict[str, Any]]]:
    """libraryChanged messages (with their arrival time) until one satisfies `until` (with a deadline)."""
    seen: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    while True:
        message = user.next_message(max(0.1, deadline - time.monotonic()))
        if message.get("type") != "libraryChanged":
            continue
        seen.append((time.monotonic(), message))
        if until(message):
            return seen


def _has(action: str, movie_id: str) -> Any:
    return lambda message: {"action": action, "movieId": movie_id} in message["changes"]


def test_every_connection_hears_of_adds_edits_and_deletes_batched(stack, alice, bob, librarian) -> None:
    movie = added(alice)
    _library_messages(bob, _has("added", movie["id"]))  # bob added nothing: every connection is told
    tag = etag(alice, movie["id"])
    for rating in (1, 2, 3, 4, 5):  # five edits in a burst
        response = patch(librarian, movie["id"], {"rating": rating}, tag)
        assert response.status_code == 200
        tag = response.headers["ETag"]
    assert delete(librarian, movie["id"], tag).status_code == 204
    seen = _library_messages(bob, _has("deleted", movie["id"]))
    assert any(_has("edited", movie["id"])(m) for _, m in seen)
    assert len(seen) < 6, "the burst is batched, not one message per change"
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(seen)]
    # The notifier spaces them a second apart; arrival times jitter, so only "not back to back" is asserted.
    assert all(gap >= 0.5 for gap in gaps), gaps
