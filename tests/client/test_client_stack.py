"""The client against the real local stack: every operation, paging, live status, auth refresh."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import boto3
import httpx
import jwt
import moto
import pytest
from movie_library import AddHandle, Client, CognitoAuth, Movie, ValidationError, WaitTimeout
from movie_library.models import AddRequest, Dashboard

from local import aws
from tests.client.conftest import unique
from tests.conftest import wait_for

pytestmark = pytest.mark.usefixtures("library")


def _movie(title: str, rating: float = 7.5) -> dict:
    return {"title": title, "genre": "Drama", "rating": rating, "year": 2024}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dashboard_genres_movie_and_openapi(client: Client, api: httpx.Client) -> None:
    dashboard = client.dashboard()
    assert isinstance(dashboard, Dashboard)
    assert dashboard.total_movies == 32 and dashboard.average_rating == 7.4
    # The model keeps every field the API sends (a field missing from the client would be lost here).
    assert dashboard.to_dict() == api.get("/api/dashboard").json()
    genres = client.genres()
    assert len(genres) == 13 and sum(g.count for g in genres) == 32
    some = next(iter(client.search("a", max_items=1)))
    assert client.movie(some.id) == some
    assert client.openapi()["info"]["title"] == "Movie Library Explorer API"


def test_genres_follow_their_cursor(client: Client) -> None:
    assert [g.genre for g in client.genres(limit=5)] == [g.genre for g in client.genres()]
    assert len(client.genres(limit=5)) == 13 and len(client.genres(max_items=4)) == 4


def test_etl_runs_and_one_run_report(client: Client) -> None:
    runs = list(client.etl_runs(limit=1, max_items=3))
    assert runs and runs[0].state == "succeeded" and runs[0].counts is not None
    report = client.etl_run(runs[0].id)
    assert report.run == runs[0] and report.files == []


def test_top_rated_follows_cursors_lazily_with_limit_5(client: Client, api: httpx.Client) -> None:
    pages = client.top_rated(limit=5)
    assert pages.pages == 0  # nothing fetched until iterated
    movies = list(pages)
    assert len(movies) == 32 and len({m.id for m in movies}) == 32
    assert pages.pages == 7 and pages.total == 32
    expected = api.get("/api/movies/top-rated", params={"limit": 100}).json()["movies"]
    assert [m.to_dict() for m in movies] == expected


def test_max_items_stops_early_and_asks_only_for_what_it_needs(client: Client) -> None:
    pages = client.top_rated(limit=5, max_items=7)
    assert len(list(pages)) == 7
    assert pages.pages == 2 and pages.last_page.pagination.limit == 2
    assert len(list(client.top_rated(start=30, limit=5))) == 2


def test_search_pages_every_match(client: Client, api: httpx.Client) -> None:
    everything = api.get("/api/movies/search", params={"title": "e", "limit": 100}).json()["movies"]
    found = list(client.search("e", limit=5))
    assert [m.id for m in found] == [m["id"] for m in everything] and len(found) > 5


def test_filter_drama_yields_6_movies(client: Client) -> None:
    pages = client.filter(genres=["Drama"], limit=5)
    movies = list(pages)
    assert len(movies) == 6 and pages.total == 6 and pages.pages == 2
    assert all(isinstance(m, Movie) and m.genre.lower() == "drama" for m in movies)
    assert list(client.filter(genres="  DRAMA ", min_rating=100 / 100 * 8)) == [m for m in movies if m.rating >= 8]


def test_add_wait_created_then_duplicate_over_the_websocket(stack, token: str) -> None:
    with Client(stack.url, auth=token, safety_poll_interval=600) as client:
        assert client.ws_url == f"ws://127.0.0.1:{stack.port}/ws"  # read from the site's /config.json
        assert client.listen()
        title = unique("Client Socket")
        created = client.add(_movie(title)).wait(timeout=60)
        assert created.status == "created" and created.via == "websocket"
        assert created.movie is not None and created.movie.title == title
        duplicate = client.add(_movie(f"  {title.upper()} ")).wait(timeout=60)
        assert duplicate.status == "duplicate" and duplicate.via == "websocket"
        assert duplicate.movie == created.movie


def test_wait_times_out_with_the_last_status_seen(stack, token: str) -> None:
    with Client(stack.url, auth=token, ws_url="") as client:
        handle = client.add(_movie(unique("Not Yet")))
        with pytest.raises(WaitTimeout) as caught:
            handle.wait(timeout=0)
        assert caught.value.status == "queued" and caught.value.request_id == handle.request_id
        assert handle.wait(timeout=60).status == "created"


def test_add_wait_created_then_duplicate_with_the_websocket_blocked(stack, token: str) -> None:
    with Client(stack.url, auth=token, ws_url=f"ws://127.0.0.1:{_closed_port()}/ws", poll_interval=0.2) as client:
        assert not client.listen(timeout=5)
        title = unique("Client Polling")
        handle = client.add(_movie(title))
        assert handle.status == "queued" and handle.status_url.endswith(handle.request_id)
        created = handle.wait(timeout=60)
        assert created.status == "created" and created.via == "poll" and created.movie.title == title
        duplicate = client.add(_movie(title)).wait(timeout=60)
        assert duplicate.status == "duplicate" and duplicate.via == "poll" and duplicate.movie.id == created.movie.id
        assert client.tracker.messages == 0
        record = client.request(handle.request_id)
        assert isinstance(record, AddRequest) and record.status == "created" and record.movie == created.movie


def _user_connections(stack, sub: str) -> list[str]:
    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
        stack.resources.table_name("ConnectionsTable")
    )
    items = table.query(IndexName="byUser", KeyConditionExpression=boto3.dynamodb.conditions.Key("userSub").eq(sub))
    return [item["connectionId"] for item in items["Items"]]


def _send_to_user(stack, sub: str, message: dict) -> None:
    """What the notifier does: post to each of the user's connections through the @connections API."""
    management = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WS_MANAGEMENT_ENDPOINT"])
    for connection in _user_connections(stack, sub):
        management.post_to_connection(ConnectionId=connection, Data=json.dumps(message).encode())


def _user(stack, email: str) -> tuple[str, str]:
    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    aws.ensure_user(idp, stack.resources.user_pool_id, email, "User-Passw0rd!")
    token = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, email, "User-Passw0rd!")["IdToken"]
    return token, jwt.decode(token, options={"verify_signature": False})["sub"]


def test_repeated_messages_are_deduplicated_by_request_id(stack) -> None:
    """At-least-once delivery: the same requestId may arrive again, even (wrongly) with another status."""
    token, sub = _user(stack, "client-repeats@example.com")
    with Client(stack.url, auth=token, safety_poll_interval=600) as client:
        assert client.listen()
        outcome = client.add(_movie(unique("Said Twice"))).wait(timeout=60)
        assert outcome.status == "created"
        repeat = {
            "type": "addStatus",
            "requestId": outcome.request_id,
            "status": "duplicate",
            "movie": outcome.movie.to_dict(),
            "at": "2026-01-01T00:00:00Z",
        }
        _send_to_user(stack, sub, repeat)
        wait_for(lambda: client.tracker.messages >= 2, timeout=10)
        # The first outcome heard is the one kept: waiting again gives "created", not the repeat's "duplicate".
        again = AddHandle(
            outcome.request_id, "queued", f"/api/movies/requests/{outcome.request_id}", "", None, time.monotonic(), client
        )
        assert again.wait(timeout=10).status == "created"


def test_the_status_socket_reconnects_after_the_server_closes_it(stack) -> None:
    token, sub = _user(stack, "client-reconnect@example.com")
    with Client(stack.url, auth=token, safety_poll_interval=600) as client:
        assert client.listen()
        first_since = client.tracker._connected_since
        management = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WS_MANAGEMENT_ENDPOINT"])
        for connection in _user_connections(stack, sub):
            management.delete_connection(ConnectionId=connection)  # as API Gateway does after 2 h
        wait_for(lambda: client.tracker.connected and client.tracker._connected_since != first_since, timeout=15)
        outcome = client.add(_movie(unique("After Reconnect"))).wait(timeout=60)
        assert outcome.status == "created" and outcome.via == "websocket"


def test_watch_yields_each_request_once(stack) -> None:
    token, sub = _user(stack, "client-watch@example.com")
    titles = [unique("Watched"), unique("Watched")]

    async def run() -> list:
        client = Client(stack.url, auth=token)
        seen = []
        stream = client.watch()
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.to_thread(wait_for, lambda: _user_connections(stack, sub), 10)
        handles = [await asyncio.to_thread(client.add, _movie(t)) for t in titles]
        seen.append(await asyncio.wait_for(first, 60))
        repeat = {
            "type": "addStatus",
            "requestId": seen[0].request_id,
            "status": seen[0].status,
            "movie": seen[0].movie.to_dict(),
            "at": seen[0].at,
        }
        await asyncio.to_thread(_send_to_user, stack, sub, repeat)
        seen.append(await asyncio.wait_for(stream.__anext__(), 60))
        await stream.aclose()
        await asyncio.to_thread(client.close)
        return [h.request_id for h in handles], seen

    request_ids, seen = asyncio.run(run())
    assert sorted(m.request_id for m in seen) == sorted(request_ids)
    assert {m.status for m in seen} == {"created"} and {m.movie.title for m in seen} == set(titles)


def test_add_many_bounded_concurrency_outcomes_as_they_arrive(client: Client) -> None:
    titles = [unique("Many") for _ in range(12)]
    movies = [_movie(t) for t in titles] + [_movie(titles[0]), {"title": "", "genre": "Drama", "rating": 5, "year": 2020}]
    results = list(client.add_many(movies, concurrency=4, timeout=120))
    assert sorted(r.index for r in results) == list(range(14))
    by_index = {r.index: r for r in results}
    # Refused by the API Gateway request validator (the template's MovieInput model), before any function runs.
    assert by_index[13].status == "invalid" and isinstance(by_index[13].error, ValidationError)
    statuses = [r.status for r in results if r.index < 13]
    assert statuses.count("created") == 12 and statuses.count("duplicate") == 1


def _expired(token: str) -> str:
    """The same id token, signed again by moto's pool key but expired an hour ago."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 7200, auth_time=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    jwk = json.loads(gzip.decompress((Path(moto.__file__).parent / "cognitoidp/resources/jwks-private.json.gz").read_bytes()))
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(token)["kid"]})


def test_expired_token_is_refreshed_before_the_call(stack, token: str) -> None:
    expired = _expired(token)
    assert httpx.get(f"{stack.url}/api/dashboard", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    signed_in = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, aws.DEMO_USER, aws.DEMO_PASSWORD)
    auth = CognitoAuth(
        stack.resources.user_pool_id,
        stack.resources.client_id,
        id_token=expired,
        refresh_token=signed_in["RefreshToken"],
        endpoint=f"{stack.url}/cognito",
    )
    with Client(stack.url, auth=auth) as client:
        assert client.dashboard().total_movies == 32
    assert auth.refreshes == 1 and auth.sign_ins == 0 and auth.token() != expired


def test_token_provider_is_asked_again_after_a_401(stack, token: str) -> None:
    handed_out: list[str] = []

    def provider() -> str:  # an expired token first (as a stale cache would hold), then a fresh one
        handed_out.append(_expired(token) if not handed_out else token)
        return handed_out[-1]

    with Client(stack.url, auth=provider) as client:
        assert client.dashboard().total_movies == 32
    assert handed_out[0] != token and set(handed_out[1:]) == {token}


def test_cognito_auth_signs_in_with_a_password_and_refreshes_near_expiry(stack) -> None:
    auth = CognitoAuth(
        stack.resources.user_pool_id,
        stack.resources.client_id,
        aws.DEMO_USER,
        aws.DEMO_PASSWORD,
        endpoint=f"{stack.url}/cognito",
        refresh_margin=0,
    )
    with Client(stack.url, auth=auth) as client:
        assert client.dashboard().total_movies == 32
        assert auth.sign_ins == 1 and auth.refreshes == 0 and auth.refresh_token
        auth.refresh_margin = 3600 + 60  # the hour-long token now counts as about to expire
        assert client.genres()
        assert auth.refreshes == 1 and auth.sign_ins == 1


def test_concurrent_calls_share_one_sign_in(stack) -> None:
    auth = CognitoAuth(
        stack.resources.user_pool_id, stack.resources.client_id, aws.DEMO_USER, aws.DEMO_PASSWORD, endpoint=f"{stack.url}/cognito"
    )
    with Client(stack.url, auth=auth) as client:
        threads = [threading.Thread(target=client.dashboard) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert auth.sign_ins == 1


def test_unknown_request_is_not_found(client: Client) -> None:
    from movie_library import NotFound

    with pytest.raises(NotFound):
        client.request(str(uuid.uuid4()))


def test_edit_delete_and_history_raise_typed_errors(stack, client: Client) -> None:
    """Issue 22: Client.edit/delete/history, with an exception class per refusal."""
    from movie_library import Conflict, Forbidden, NotFound, PreconditionFailed, PreconditionRequired

    from tests.e2e.live import User

    one = client.add({"title": f"Client Fix {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5, "year": 2020}).wait()
    two = client.add({"title": f"Client Fix {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5, "year": 2020}).wait()
    assert one.movie is not None and two.movie is not None
    first = client.versioned(one.movie.id)
    assert first.permissions["edit"] and first.source == {"kind": "api"}
    edited = client.edit(one.movie.id, rating=8, etag=first.etag)
    assert edited.movie.rating == 8.0 and edited.etag != first.etag
    with pytest.raises(PreconditionFailed) as stale:
        client.edit(one.movie.id, rating=9, etag=first.etag)
    assert stale.value.current is not None and stale.value.current["rating"] == 8.0 and stale.value.etag == edited.etag
    with pytest.raises(Conflict) as same:
        client.edit(two.movie.id, title=one.movie.title, rating=8)
    assert same.value.reason == "duplicate" and same.value.other is not None
    assert same.value.other["id"] == one.movie.id
    with pytest.raises(PreconditionRequired):  # a PATCH without If-Match
        client.transport.request("PATCH", f"/api/movies/{one.movie.id}", json={"rating": 1}, retry=False)
    stranger = User(stack, f"stranger-{uuid.uuid4().hex[:6]}@example.com")
    try:
        with Client(stack.url, auth=stranger.token, ws_url="") as other, pytest.raises(Forbidden):
            other.delete(one.movie.id)
    finally:
        stranger.close()
    assert [e.action for e in client.history(one.movie.id)] == ["edit"]
    client.delete(one.movie.id)
    with pytest.raises(NotFound):
        client.delete(one.movie.id, etag=edited.etag)


def test_watch_library_hears_an_edit_and_a_delete(stack, client: Client, token: str) -> None:
    outcome = client.add({"title": f"Watched {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5, "year": 2020}).wait()
    assert outcome.movie is not None
    movie_id = outcome.movie.id
    sub = jwt.decode(token, options={"verify_signature": False})["sub"]
    before = _sockets(stack, sub)

    async def heard() -> list[tuple[str, str | None]]:
        seen: list[tuple[str, str | None]] = []
        stream = client.watch_library(reconnect=False)
        first = asyncio.ensure_future(stream.__anext__())  # connects
        await asyncio.to_thread(lambda: wait_for(lambda: _sockets(stack, sub) > before, timeout=15))
        await asyncio.to_thread(lambda: client.edit(movie_id, rating=9))
        await asyncio.to_thread(lambda: client.delete(movie_id))
        message = await asyncio.wait_for(first, timeout=30)
        while True:
            seen += [(c.action, c.movie_id) for c in message.changes]
            if ("deleted", movie_id) in seen:
                return seen
            message = await asyncio.wait_for(stream.__anext__(), timeout=30)

    seen = asyncio.run(heard())
    assert ("edited", movie_id) in seen and ("deleted", movie_id) in seen


def _sockets(stack, sub: str) -> int:
    """The user's registered sockets (the $connect handler stores each)."""
    from boto3.dynamodb.conditions import Key

    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table("ConnectionsTable")
    return len(table.query(IndexName="byUser", KeyConditionExpression=Key("userSub").eq(sub))["Items"])


def test_requests_lists_your_own_adds_newest_first_across_pages(stack, token: str) -> None:
    with Client(stack.url, auth=token, ws_url="") as client:
        handles = [client.add(_movie(unique("Listed"))) for _ in range(3)]
        newest = [r.request_id for r in client.requests(limit=2, max_items=3)]
    assert newest == [h.request_id for h in reversed(handles)]
