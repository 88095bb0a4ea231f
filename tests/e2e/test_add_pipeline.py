"""Adding movies end to end: POST → SQS FIFO → processor → DynamoDB stream → notifier → the submitter's WebSocket."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import httpx
import psycopg2
import pytest
from websockets.exceptions import InvalidStatus

from data import db as data_db
from data import requests_store
from local.runtime import LambdaRuntime
from tests.conftest import wait_for
from tests.e2e.deployed import deployed
from tests.e2e.live import User, flush_stage_cache

pytestmark = pytest.mark.usefixtures("library")


def _rows(db, title: str) -> int:
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM movies WHERE movie_key(title) = movie_key(%s)", (title,))
        return cur.fetchone()[0]


def test_created_then_duplicate_only_to_the_submitter(stack, alice: User, bob: User, db) -> None:
    accepted = alice.add({"title": "Glass  Harbor", "genre": "Drama", "rating": 7.7, "year": 2024})
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["status"] == "queued" and body["id"] == body["requestId"]
    assert body["statusUrl"].endswith(f"/api/movies/requests/{body['requestId']}")

    created = alice.status_of(body["requestId"])
    assert created["type"] == "addStatus" and created["status"] == "created"
    assert created["movie"]["title"] == "Glass Harbor" and created["movie"]["rating"] == 7.7
    found = alice.http.get("/api/movies/search", params={"title": "glass harbor"}).json()["movies"]
    assert [m["id"] for m in found] == [created["movie"]["id"]]

    again = alice.add({"title": "  glass harbor ", "genre": "DRAMA", "rating": 7.7, "year": 2024}).json()
    duplicate = alice.status_of(again["requestId"])
    assert duplicate["status"] == "duplicate" and duplicate["movie"]["id"] == created["movie"]["id"]
    assert _rows(db, "Glass Harbor") == 1

    status = alice.http.get(body["statusUrl"]).json()
    assert status["status"] == "created" and status["movie"]["id"] == created["movie"]["id"]
    assert status["completedAt"] >= status["submittedAt"]
    assert bob.http.get(f"/api/movies/requests/{body['requestId']}").status_code == 404

    # Bob's socket got none of Alice's add statuses: besides libraryChanged (every connection hears that the
    # library grew, issue 22), the first thing it hears is the answer to its own ping.
    assert bob.ws is not None
    bob.ws.send(json.dumps({"action": "ping"}))
    heard = bob.next_message(5)
    while heard.get("type") == "libraryChanged":
        heard = bob.next_message(5)
    assert heard == {"type": "pong"}


def test_dashboard_counts_the_new_movie_after_the_cache_ttl(stack, alice: User) -> None:
    before = alice.http.get("/api/dashboard").json()["totalMovies"]
    request = alice.add({"title": "Count Me In", "genre": "Comedy", "rating": 6.0, "year": 2023}).json()
    assert alice.status_of(request["requestId"])["status"] == "created"
    cached = ("GET", "/api/dashboard") in stack.gateway.cache_ttls  # the template's DashboardCache parameter
    assert alice.http.get("/api/dashboard").json()["totalMovies"] == (before if cached else before + 1)
    flush_stage_cache(stack)  # what the TTL running out does
    assert alice.http.get("/api/dashboard").json()["totalMovies"] == before + 1


def test_idempotency_key_returns_the_same_request(alice: User, db) -> None:
    movie = {"title": "Once Only", "genre": "Drama", "rating": 5.5, "year": 2020}
    first = alice.add(movie, **{"Idempotency-Key": "retry-123"}).json()
    second = alice.add(movie, **{"Idempotency-Key": "retry-123"}).json()
    assert second["requestId"] == first["requestId"]
    assert "nothing was queued again" in second["message"]
    assert alice.status_of(first["requestId"])["status"] == "created"
    other = alice.add({**movie, "year": 2021}, **{"Idempotency-Key": "retry-123"})
    assert other.status_code == 400 and other.json()["error"]["details"][0]["field"] == "Idempotency-Key"
    assert _rows(db, "Once Only") == 1


def test_invalid_message_on_the_queue_is_rejected_and_the_batch_goes_on(stack, alice: User, db) -> None:
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    bad_id, good_id = str(uuid.uuid4()), str(uuid.uuid4())
    messages = [
        (bad_id, {"title": "Too Good", "genre": "Drama", "rating": 11, "year": 2020}),
        (good_id, {"title": "Fine Film", "genre": "Drama", "rating": 6.5, "year": 2020}),
    ]
    for request_id, movie in messages:
        requests_store.create(
            {
                "requestId": request_id,
                "owner": alice.sub,
                "status": "queued",
                "input": movie,
                "submittedAt": "2026-11-25T00:00:00.000Z",
            }
        )
    sqs.send_message_batch(
        QueueUrl=stack.resources.queue_url("AddQueue"),
        Entries=[
            {
                "Id": str(i),
                "MessageBody": json.dumps({"requestId": rid, "owner": alice.sub, "movie": movie}),
                "MessageGroupId": alice.sub,
                "MessageDeduplicationId": rid,
            }
            for i, (rid, movie) in enumerate(messages)
        ],
    )
    rejected = alice.status_of(bad_id)
    assert rejected["status"] == "rejected" and "rating" in rejected["error"]["message"]
    assert alice.status_of(good_id)["status"] == "created"
    assert _rows(db, "Too Good") == 0 and _rows(db, "Fine Film") == 1


def test_redelivery_after_a_crash_between_insert_and_outcome_reports_created(stack, alice: User, db, monkeypatch) -> None:
    request_id = str(uuid.uuid4())
    movie = {"title": "Crash Course", "genre": "Drama", "rating": 7.0, "year": 2022}
    requests_store.create(
        {
            "requestId": request_id,
            "owner": alice.sub,
            "status": "queued",
            "input": movie,
            "submittedAt": "2026-11-25T00:00:00.000Z",
        }
    )
    event = json.loads((Path(__file__).parents[2] / "events" / "add_processor_batch.json").read_text())
    record = event["Records"][0] | {"body": json.dumps({"requestId": request_id, "owner": alice.sub, "movie": movie})}
    runtime = LambdaRuntime()

    real_complete = requests_store.complete

    def crash(*_args, **_kwargs):
        raise RuntimeError("the Lambda died here")

    monkeypatch.setattr(requests_store, "complete", crash)
    # The insert committed but the outcome was never stored: the message is reported failed and comes back.
    first = runtime.invoke("AddProcessorFunction", {"Records": [record]})
    assert first["batchItemFailures"] == [{"itemIdentifier": record["messageId"]}]
    assert _rows(db, "Crash Course") == 1  # the insert committed
    monkeypatch.setattr(requests_store, "complete", real_complete)
    assert runtime.invoke("AddProcessorFunction", {"Records": [record]})["batchItemFailures"] == []
    assert alice.status_of(request_id)["status"] == "created"
    assert alice.http.get(f"/api/movies/requests/{request_id}").json()["status"] == "created"
    assert _rows(db, "Crash Course") == 1


def test_database_down_retries_then_dead_letter_marks_failed(stack, alice: User, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    # Retries 1 s apart, so the ten receives run out in seconds rather than the 3 local minutes.
    monkeypatch.setenv("ADD_RETRY_FIRST_DELAY_SECONDS", "1")
    monkeypatch.setenv("ADD_RETRY_MAX_DELAY_SECONDS", "1")
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:  # drop the processor's open connection
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'movie-library'")
    conn.close()
    try:
        request = alice.add({"title": "Unlucky", "genre": "Drama", "rating": 4.0, "year": 2019}).json()
        failed = alice.status_of(request["requestId"], timeout=60)
        assert failed["status"] == "failed" and failed["error"]["code"] == "UNAVAILABLE"
        assert alice.http.get(f"/api/movies/requests/{request['requestId']}").json()["status"] == "failed"
    finally:
        monkeypatch.undo()
        data_db.reset()


def test_gone_connection_is_removed_on_the_next_notification(stack, alice: User) -> None:
    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
        stack.resources.table_name("ConnectionsTable")
    )
    table.put_item(Item={"connectionId": "vanished-client=", "userSub": alice.sub, "connectedAt": 0, "expiresAt": 0})
    request = alice.add({"title": "Ghost Signal", "genre": "Horror", "rating": 5.0, "year": 2021}).json()
    assert alice.status_of(request["requestId"])["status"] == "created"  # the live socket still hears it
    wait_for(lambda: "Item" not in table.get_item(Key={"connectionId": "vanished-client="}))


@pytest.mark.parametrize("token", [None, "garbage", "forged", "expired"])
def test_websocket_refuses_bad_tokens(stack, token: str | None) -> None:
    from websockets.sync.client import connect

    from tests.e2e.test_bad_input import _claims, _forge

    value = {"forged": stack.demo_token()[:-4] + "AAAA", "expired": _forge(_claims(stack, exp=1, iat=0))}.get(token, token)
    url = f"ws://127.0.0.1:{stack.port}/ws" + (f"?token={value}" if value else "")
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=10)
    assert refused.value.response.status_code in (401, 403)


BAD_BODIES = [
    ({"genre": "Drama", "rating": 7, "year": 2000}, "title"),
    ({"title": "", "genre": "Drama", "rating": 7, "year": 2000}, "title"),
    ({"title": "   ", "genre": "Drama", "rating": 7, "year": 2000}, "title"),
    ({"title": "x" * 256, "genre": "Drama", "rating": 7, "year": 2000}, "title"),
    ({"title": "A", "genre": "Drama", "rating": -0.1, "year": 2000}, "rating"),
    ({"title": "A", "genre": "Drama", "rating": 10.01, "year": 2000}, "rating"),
    ({"title": "A", "genre": "Drama", "rating": 7.25, "year": 2000}, "rating"),
    ({"title": "A", "genre": "Drama", "rating": "7", "year": 2000}, "rating"),
    ({"title": "A", "genre": "Drama", "rating": None, "year": 2000}, "rating"),
    ({"title": "A", "genre": "Drama", "rating": 7, "year": 1899}, "year"),
    ({"title": "A", "genre": "Drama", "rating": 7, "year": 2101}, "year"),
    ({"title": "A", "genre": "Drama", "rating": 7, "year": 2000.5}, "year"),
    ({"title": 5, "genre": ["Drama"], "rating": 7, "year": 2000}, "title"),
    ({"title": "A", "genre": "Drama", "rating": 7, "year": 2000, "director": "X"}, "director"),
    ({"title": "A", "genre": "", "rating": 7, "year": 2000}, "genre"),
]


@pytest.mark.deployable
@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_bodies_stop_at_the_gateway_and_the_function_names_the_field(stack, token: str, body: dict, field: str) -> None:
    before = _request_count(stack)
    response = httpx.post(f"{stack.url}/api/movies", json=body, headers={"Authorization": f"Bearer {token}"})
    # API Gateway's request validator answers first, with the template's BAD_REQUEST_BODY (no details).
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR" and "details" not in response.json()["error"]
    if deployed():
        return  # the rest needs the local stack's insides: its requests table and the function invoked directly
    assert _request_count(stack) == before
    # The function's own validation stays as defence in depth: invoked directly, it names the field.
    event = json.loads((Path(__file__).parents[2] / "events" / "write_api_add_movie.json").read_text())
    event["body"] = json.dumps(body)
    event["headers"].pop("Idempotency-Key", None)
    event["multiValueHeaders"].pop("Idempotency-Key", None)
    result = LambdaRuntime().invoke("WriteApiFunction", event)
    assert result["statusCode"] == 400
    assert field in [d["field"] for d in json.loads(result["body"])["error"]["details"]]
    assert _request_count(stack) == before


# Valid for the model but over the function's 16 KB limit: whitespace between the JSON tokens.
_PADDED = b'{"title": "A",' + b" " * (17 * 1024) + b'"genre": "G", "rating": 7, "year": 2000}'


@pytest.mark.deployable
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"title": "A", "genre": "G", "rating": NaN, "year": 2000}', 400),
        (b"{not json", 400),
        (b'[{"title": "A", "genre": "G", "rating": 7, "year": 2000}]', 400),
        (b"", 400),
        (_PADDED, 413),
    ],
)
def test_unparseable_and_huge_bodies(stack, token: str, raw: bytes, status: int) -> None:
    before = _request_count(stack)
    response = httpx.post(
        f"{stack.url}/api/movies", content=raw, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == ("PAYLOAD_TOO_LARGE" if status == 413 else "VALIDATION_ERROR")
    assert _request_count(stack) == before


def _request_count(stack) -> int | None:
    """How many add requests the local stack holds (None on a deployed stack: its table is out of reach)."""
    if deployed():
        return None
    ddb = boto3.client("dynamodb", endpoint_url=stack.resources.endpoint)
    return ddb.scan(TableName=stack.resources.table_name("RequestsTable"), Select="COUNT")["Count"]
