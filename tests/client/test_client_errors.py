"""Each error type, and which calls are retried: from the real stack where it can give the answer, from a
scripted HTTP server where it cannot be made to (a 500, a 429 that recovers)."""

from __future__ import annotations

import json
import socket
import uuid

import boto3
import psycopg2
import pytest
from movie_library import (
    AuthError,
    Client,
    CognitoAuth,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    ValidationError,
)

from data import db as data_db
from local import aws
from tests.client.fake_api import fake_api

MOVIE = {"title": "Retry Me", "genre": "Drama", "rating": 7.0, "year": 2020}
ACCEPTED = {
    "id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "requestId": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "status": "queued",
    "statusUrl": "/api/movies/requests/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "message": "Queued",
}
DASHBOARD = {
    "totalMovies": 0,
    "averageRating": None,
    "topGenres": [],
    "moviesByYear": [],
    "yearHistogram": [],
    "ratingHistogram": [],
    "unratedMovies": 0,
}


def _error(code: str, message: str = "nope") -> dict:
    return {"error": {"code": code, "message": message}}


# -- from the real stack ---------------------------------------------------------------------------


@pytest.mark.usefixtures("library")
def test_validation_error_names_the_parameter(client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        list(client.filter(min_rating=11))
    assert caught.value.status == 400 and caught.value.code == "VALIDATION_ERROR"
    assert caught.value.fields == {"minRating": "must be at most 10"}
    with pytest.raises(ValidationError):
        client.movie("not-a-uuid")


def test_bad_token_is_unauthorized(stack) -> None:
    with Client(stack.url, auth="not-a-token") as client, pytest.raises(Unauthorized) as caught:
        client.dashboard()
    assert caught.value.status == 401


def test_unknown_movie_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound) as caught:
        client.movie(str(uuid.uuid4()))
    assert caught.value.status == 404 and caught.value.code == "NOT_FOUND"


def test_database_down_is_unavailable_after_retries(stack, token: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:  # drop the functions' open connections
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'movie-library'")
    conn.close()
    try:
        with Client(stack.url, auth=token, retries=2, backoff=0.01) as client, pytest.raises(Unavailable) as caught:
            client.movie(str(uuid.uuid4()))
        assert caught.value.status == 503 and caught.value.code == "UNAVAILABLE"
        assert client.transport.attempts == 3  # a GET is retried
    finally:
        monkeypatch.undo()
        data_db.reset()


def test_over_the_add_limit_is_rate_limited_with_retry_after(stack, monkeypatch) -> None:
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "1")  # the template's AddsPerUserPerMinute, read per call
    email = f"client-limited-{uuid.uuid4().hex[:8]}@example.com"
    aws.ensure_user(
        boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint), stack.resources.user_pool_id, email, "User-Passw0rd!"
    )
    token = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, email, "User-Passw0rd!")["IdToken"]
    with Client(stack.url, auth=token, retries=0, ws_url="") as client, pytest.raises(RateLimited) as caught:
        for i in range(3):  # two of three fall in one minute window, whenever the test runs
            client.add({**MOVIE, "title": f"Limited {i} {email}"})
    assert caught.value.status == 429 and 1 <= caught.value.retry_after <= 60
    assert client.transport.attempts in {2, 3}


def test_connection_refused_is_unavailable_and_retried(token: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", auth=token, retries=2, backoff=0.01) as client:
        with pytest.raises(Unavailable):
            client.dashboard()
        assert client.transport.attempts == 3


def test_wrong_password_is_an_auth_error(stack) -> None:
    auth = CognitoAuth(
        stack.resources.user_pool_id, stack.resources.client_id, aws.DEMO_USER, "Wrong-Passw0rd!", endpoint=f"{stack.url}/cognito"
    )
    with Client(stack.url, auth=auth) as client, pytest.raises(AuthError) as caught:
        client.dashboard()
    assert caught.value.code == "NotAuthorizedException"


# -- from a scripted server ------------------------------------------------------------------------


def test_server_error_is_not_retried() -> None:
    with fake_api() as (api, url), Client(url, auth="t", backoff=0.01, ws_url="") as client:
        api.answer(500, _error("INTERNAL_ERROR", "Something went wrong."))
        with pytest.raises(ServerError) as caught:
            client.dashboard()
        assert caught.value.status == 500 and len(api.seen) == 1
        assert api.seen[0]["headers"]["Authorization"] == "Bearer t"


def test_get_is_retried_after_503_and_429_then_succeeds() -> None:
    with fake_api() as (api, url), Client(url, auth="t", backoff=0.01, ws_url="") as client:
        api.answer(503, _error("UNAVAILABLE")).answer(429, _error("RATE_LIMITED"), Retry_After="0").answer(200, DASHBOARD)
        assert client.dashboard().total_movies == 0
        assert [s["path"] for s in api.seen] == ["/api/dashboard"] * 3


def test_rate_limited_carries_retry_after_once_retries_are_spent() -> None:
    with fake_api() as (api, url), Client(url, auth="t", retries=1, ws_url="") as client:
        api.answer(429, _error("RATE_LIMITED", "Too many adds"), Retry_After="0")
        with pytest.raises(RateLimited) as caught:
            client.dashboard()
        assert caught.value.retry_after == 0 and len(api.seen) == 2


def test_add_is_retried_with_the_same_idempotency_key() -> None:
    with fake_api() as (api, url), Client(url, auth="t", backoff=0.01, ws_url="") as client:
        api.answer(503, _error("UNAVAILABLE")).answer(202, ACCEPTED)
        handle = client.add(MOVIE)
        keys = [s["headers"].get("Idempotency-Key") for s in api.seen]
        assert len(keys) == 2 and keys[0] == keys[1] == handle.idempotency_key and keys[0]
        assert json.loads(api.seen[1]["body"]) == MOVIE


def test_add_without_an_idempotency_key_is_never_retried() -> None:
    with fake_api() as (api, url), Client(url, auth="t", backoff=0.01, ws_url="") as client:
        api.answer(503, _error("UNAVAILABLE")).answer(202, ACCEPTED)
        with pytest.raises(Unavailable):
            client.add(MOVIE, idempotency_key=None)
        assert len(api.seen) == 1 and "Idempotency-Key" not in api.seen[0]["headers"]


def test_payload_too_large_is_not_retried() -> None:
    # On the stack the request validator refuses an over-long field first (400); 413 needs a padded body.
    with fake_api() as (api, url), Client(url, auth="t", ws_url="") as client:
        api.answer(413, _error("PAYLOAD_TOO_LARGE", "The request body is larger than 16 KB."))
        with pytest.raises(PayloadTooLarge) as caught:
            client.add(MOVIE)
        assert caught.value.status == 413 and len(api.seen) == 1


def test_api_gateway_answers_without_the_error_envelope_are_read_too() -> None:
    with fake_api() as (api, url), Client(url, auth="t", ws_url="") as client:
        api.answer(401, {"message": "Unauthorized"})
        with pytest.raises(Unauthorized, match="Unauthorized"):
            client.dashboard()
