"""Adds under faults and abuse: poison messages, a database outage, per-user limits, expired tokens."""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path

import boto3
import pytest
from websockets.exceptions import ConnectionClosed

from data import requests_store
from tests.conftest import wait_for
from tests.e2e.live import User

pytestmark = pytest.mark.usefixtures("library")
RECORD = json.loads((Path(__file__).parents[2] / "events" / "add_processor_batch.json").read_text())["Records"][0]


def _queued(user: User, movie: dict | None, body: str | None = None) -> tuple[str, str]:
    """A request recorded as the API would, and its queue message body."""
    request_id = str(uuid.uuid4())
    requests_store.create(
        {
            "requestId": request_id,
            "owner": user.sub,
            "status": "queued",
            "input": movie or {},
            "submittedAt": "2026-11-26T00:00:00.000Z",
        }
    )
    return request_id, body or json.dumps({"requestId": request_id, "owner": user.sub, "movie": movie})


def _sqs_record(body: str, group: str, n: int) -> dict:
    record = copy.deepcopy(RECORD)
    record["messageId"] = str(uuid.uuid4())
    record["receiptHandle"] = f"local-{uuid.uuid4()}"
    record["body"] = body
    record["attributes"] |= {
        "MessageGroupId": group,
        "SequenceNumber": str(10**19 + n),
        "MessageDeduplicationId": str(uuid.uuid4()),
    }
    return record


def _status(request_id: str) -> str:
    record = requests_store.get(request_id)
    return record["status"] if record else "missing"


def test_poison_in_front_of_good_adds_is_rejected_and_nobody_waits(stack, alice: User, bob: User, db) -> None:
    """One batch: a message the database refuses, then three good adds of the same user, then another
    user's adds. The poison is rejected with its reason; every good add is created in that same batch."""
    with db.cursor() as cur:  # a constraint the API cannot know about: the database refuses this title
        cur.execute("ALTER TABLE movies ADD CONSTRAINT poison_pill CHECK (title <> 'Poison Pill') NOT VALID")
    try:
        poison, poison_body = _queued(alice, {"title": "Poison Pill", "genre": "Drama", "rating": 5.0, "year": 2020})
        good = [_queued(alice, {"title": f"Good Add {i}", "genre": "Drama", "rating": 6.0, "year": 2020}) for i in range(3)]
        others = [_queued(bob, {"title": f"Other User {i}", "genre": "Drama", "rating": 6.0, "year": 2020}) for i in range(2)]
        records = [_sqs_record(body, alice.sub, n) for n, (_id, body) in enumerate([(poison, poison_body), *good])]
        records += [_sqs_record(body, bob.sub, 10 + n) for n, (_id, body) in enumerate(others)]

        result = stack.gateway.runtime.invoke("AddProcessorFunction", {"Records": records})

        assert result["batchItemFailures"] == []  # nothing waits for a retry or the dead-letter queue
        rejected = alice.status_of(poison)
        assert rejected["status"] == "rejected" and "check violation" in rejected["error"]["message"]
        assert "poison_pill" not in json.dumps(rejected) and "INSERT" not in json.dumps(rejected)
        assert [alice.status_of(rid, timeout=5)["status"] for rid, _ in good] == ["created"] * 3
        assert [bob.status_of(rid, timeout=5)["status"] for rid, _ in others] == ["created"] * 2
    finally:
        with db.cursor() as cur:
            cur.execute("ALTER TABLE movies DROP CONSTRAINT poison_pill")


@pytest.mark.parametrize(
    "poison",
    [
        '{"requestId": "%s", "owner": "%s", "movie": {"title": "Nul\\u0000Byte", "genre": "Drama", "rating": 5, "year": 2020}}',
        '{"requestId": "%s", "owner": "%s", "movie": {"title": "Lone \\ud800", "genre": "Drama", "rating": 5, "year": 2020}}',
        '{"requestId": "%s", "owner": "%s", "movie": {"title": "Old", "genre": "Drama", "stars": 5}}',
        '{"requestId": "%s", "owner": "%s", "movie": [[[[[[[[[[[[[[[[[[[[[[[[["',
    ],
)
def test_poison_sent_straight_to_the_queue_does_not_hold_back_its_group(stack, alice: User, poison: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    bad_id, _ = _queued(alice, None)
    good = [
        _queued(alice, {"title": f"After Poison {uuid.uuid4().hex[:6]}", "genre": "Drama", "rating": 7.0, "year": 2021})
        for _ in range(3)
    ]
    bodies = [(bad_id, poison % (bad_id, alice.sub)), *good]
    sqs.send_message_batch(
        QueueUrl=stack.resources.queue_url("AddQueue"),
        Entries=[
            {"Id": str(i), "MessageBody": body, "MessageGroupId": alice.sub, "MessageDeduplicationId": str(uuid.uuid4())}
            for i, (_rid, body) in enumerate(bodies)
        ],
    )
    started = time.monotonic()
    assert [alice.status_of(rid, timeout=10)["status"] for rid, _ in good] == ["created"] * 3
    assert time.monotonic() - started < 10  # not after retries or the dead-letter queue
    assert _status(bad_id) == "rejected"


def test_a_minute_without_the_database_fails_no_add(stack, alice: User) -> None:
    """PostgreSQL stopped for 60 s: adds are still accepted (202), reads answer 503, and every add
    ends `created` once the database is back, through the processor's growing retry delays."""
    submitted: list[str] = []
    stack.pg.pause()
    try:
        outage_ends = time.monotonic() + 60
        while time.monotonic() < outage_ends:
            response = alice.add(
                {"title": f"Outage {len(submitted)} {uuid.uuid4().hex[:6]}", "genre": "Drama", "rating": 6.5, "year": 2022}
            )
            assert response.status_code == 202, response.text
            submitted.append(response.json()["requestId"])
            read = alice.http.get("/api/movies/top-rated")
            assert read.status_code == 503 and read.json()["error"]["code"] == "UNAVAILABLE"
            time.sleep(min(5.0, max(0.0, outage_ends - time.monotonic())))  # the outage's length, not a wait
        assert all(_status(rid) == "queued" for rid in submitted)
    finally:
        stack.pg.resume()
    outcomes = {rid: alice.status_of(rid, timeout=90)["status"] for rid in submitted}
    assert set(outcomes.values()) == {"created"}, outcomes
    assert all(_status(rid) == "created" for rid in submitted)


def test_per_user_limit_answers_429_before_anything_is_queued(stack, monkeypatch) -> None:
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "3")
    eager = User(stack, f"eager-{uuid.uuid4().hex[:6]}@example.com")
    calm = User(stack, f"calm-{uuid.uuid4().hex[:6]}@example.com")
    try:
        movies = [{"title": f"Limit {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5.0, "year": 2020} for _ in range(4)]
        if time.time() % 60 > 55:  # all four inside one minute window
            wait_for(lambda: time.time() % 60 < 5, timeout=10)
        accepted = [eager.add(m) for m in movies[:3]]
        assert [r.status_code for r in accepted] == [202] * 3
        before = _request_count(stack)
        refused = eager.add(movies[3])
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert _request_count(stack) == before  # nothing recorded, nothing queued
        assert calm.add(movies[3]).status_code == 202  # limits are per user

        monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "100")
        monkeypatch.setenv("ADDS_PER_USER_PER_DAY", "3")  # three counted today; the refused one was not
        over_day = eager.add({**movies[3], "title": "Day Limit"})
        assert over_day.status_code == 429 and "per day" in over_day.json()["error"]["message"]
        assert int(over_day.headers["Retry-After"]) >= 60 or time.time() % 86400 > 86340
    finally:
        eager.close()
        calm.close()


def test_an_idempotent_replay_costs_no_add_quota(stack, monkeypatch) -> None:
    """#24 (review 15): a client retrying a POST it already made (same Idempotency-Key) gets its request back,
    even over the limit, and the retries leave the quota to new adds."""
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "2")
    user = User(stack, f"retrier-{uuid.uuid4().hex[:6]}@example.com")
    try:
        movie, other, third = (
            {"title": f"Replay {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5.0, "year": 2020} for _ in range(3)
        )
        if time.time() % 60 > 50:  # everything inside one minute window
            wait_for(lambda: time.time() % 60 < 5, timeout=15)
        first = user.add(movie, **{"Idempotency-Key": "replay-1"})
        assert first.status_code == 202, first.text
        replays = [user.add(movie, **{"Idempotency-Key": "replay-1"}) for _ in range(3)]
        assert [r.status_code for r in replays] == [202] * 3, [r.text for r in replays]
        assert {r.json()["requestId"] for r in replays} == {first.json()["requestId"]}
        bad_key = user.add(other, **{"Idempotency-Key": "k" * 129})
        assert bad_key.status_code == 400, bad_key.text
        assert user.add(other).status_code == 202  # the second add of the minute: within the limit
        assert user.add(third).status_code == 429
        late = user.add(movie, **{"Idempotency-Key": "replay-1"})  # over the limit, a replay still answers
        assert late.status_code == 202 and late.json()["requestId"] == first.json()["requestId"]
    finally:
        user.close()


def test_one_mailbox_shares_one_add_limit_across_its_accounts(stack, monkeypatch) -> None:
    """#24 (review 5): accounts are free, so the limit follows the mailbox: case variants and plus-addresses
    of one address count together; another mailbox is not affected."""
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "2")
    base = f"quota-{uuid.uuid4().hex[:6]}"
    first = User(stack, f"{base}@example.com")
    variant = User(stack, f"{base.upper()}+second@EXAMPLE.com")
    stranger = User(stack, f"{base}-other@example.com")
    try:
        movies = [{"title": f"Mailbox {uuid.uuid4().hex[:8]}", "genre": "Drama", "rating": 5.0, "year": 2020} for _ in range(4)]
        if time.time() % 60 > 50:  # all inside one minute window
            wait_for(lambda: time.time() % 60 < 5, timeout=15)
        assert first.add(movies[0]).status_code == 202
        assert variant.add(movies[1]).status_code == 202
        refused = variant.add(movies[2])
        assert refused.status_code == 429, refused.text
        assert first.add(movies[2]).status_code == 429
        assert stranger.add(movies[3]).status_code == 202
    finally:
        for user in (first, variant, stranger):
            user.close()


def _connections(stack, sub: str) -> dict[str, dict]:
    table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
        stack.resources.table_name("ConnectionsTable")
    )
    items = table.scan()["Items"]
    return {i["connectionId"]: i for i in items if i["userSub"] == sub}


def test_socket_whose_token_expired_hears_nothing_and_is_closed(stack) -> None:
    email = f"expiring-{uuid.uuid4().hex[:6]}@example.com"
    old = User(stack, email).connect()
    fresh = User(stack, email)
    try:
        import jwt

        ((old_id, item),) = _connections(stack, old.sub).items()
        assert int(item["tokenExpiresAt"]) == jwt.decode(old.token, options={"verify_signature": False})["exp"]
        fresh.connect()
        fresh_id = wait_for(lambda: next(iter(set(_connections(stack, old.sub)) - {old_id}), None))
        table = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint).Table(
            stack.resources.table_name("ConnectionsTable")
        )
        table.update_item(
            Key={"connectionId": old_id},
            UpdateExpression="SET tokenExpiresAt = :past",
            ExpressionAttributeValues={":past": int(time.time()) - 1},
        )  # its hour is over

        request = fresh.add(
            {"title": f"After Expiry {uuid.uuid4().hex[:6]}", "genre": "Drama", "rating": 6.0, "year": 2021}
        ).json()
        assert fresh.status_of(request["requestId"])["status"] == "created"
        assert set(_connections(stack, old.sub)) == {fresh_id}  # the expired one is forgotten
        with pytest.raises(ConnectionClosed):  # and closed, unsent: the client reconnects with a new token
            while True:
                message = old.next_message(10)
                assert message.get("type") != "addStatus", message
    finally:
        old.close()
        fresh.close()


def _request_count(stack) -> int:
    ddb = boto3.client("dynamodb", endpoint_url=stack.resources.endpoint)
    return ddb.scan(TableName=stack.resources.table_name("RequestsTable"), Select="COUNT")["Count"]


def test_transient_failure_is_reported_per_record_with_a_growing_retry_delay(stack, alice: User, db, monkeypatch) -> None:
    from logic import adds

    assert [adds.retry_delay(n) for n in (1, 2, 3, 5, 9)] == [2, 4, 8, 30, 30]  # local: 2 s doubling to 30 s
    sqs = boto3.client("sqs", endpoint_url=stack.resources.endpoint)
    scratch = sqs.create_queue(
        QueueName=f"retry-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "0"}
    )["QueueUrl"]
    bodies = [_queued(alice, {"title": f"Retry Me {i}", "genre": "Drama", "rating": 5.0, "year": 2020})[1] for i in range(2)]
    sqs.send_message_batch(
        QueueUrl=scratch,
        Entries=[
            {"Id": str(i), "MessageBody": b, "MessageGroupId": alice.sub, "MessageDeduplicationId": str(uuid.uuid4())}
            for i, b in enumerate(bodies)
        ],
    )
    received = sqs.receive_message(QueueUrl=scratch, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
    records = [
        _sqs_record(m["Body"], alice.sub, i) | {"receiptHandle": m["ReceiptHandle"], "messageId": m["MessageId"]}
        for i, m in enumerate(received["Messages"])
    ]
    assert len(records) == 2

    monkeypatch.setenv("ADD_QUEUE_URL", scratch)
    monkeypatch.setenv("ADD_RETRY_FIRST_DELAY_SECONDS", "600")  # far longer than this test
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    with db.cursor() as cur:  # drop the processor's open connection, so it must reconnect (and cannot)
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'movie-library'")
    try:
        result = stack.gateway.runtime.invoke("AddProcessorFunction", {"Records": records})
    finally:
        monkeypatch.undo()  # the stack's own database again
    # A batch that failed whole is still answered record by record (not an error: that would bring it
    # back after the queue's visibility timeout), and both records were hidden for their retry delay.
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(r["messageId"] for r in records)
    assert sqs.receive_message(QueueUrl=scratch, MaxNumberOfMessages=10).get("Messages", []) == []
    assert all(_status(json.loads(b)["requestId"]) == "queued" for b in bodies)
    sqs.delete_queue(QueueUrl=scratch)
