"""Every sample event in events/ runs through its function (as `sam local invoke` would) with the expected result;
the queue and stream events are also judged by what they recorded or sent."""

from __future__ import annotations

import copy
import json
import uuid
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from local.runtime import LambdaRuntime
from logic.adds import GAVE_UP_REASON as REASON
from tests.e2e.live import User

EVENTS = Path(__file__).resolve().parents[2] / "events"
INDEX = json.loads((EVENTS / "index.json").read_text())


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize("name", sorted(INDEX))
def test_event_runs_through_its_handler(name: str, cfn_response_url: str) -> None:
    entry = INDEX[name]
    event = json.loads((EVENTS / name).read_text())
    if "ResponseURL" in event:
        event["ResponseURL"] = cfn_response_url  # CloudFormation's pre-signed S3 URL, answered locally
    result = LambdaRuntime().invoke(entry["function"], event)
    for key, expected in entry["expect"].items():
        assert result[key] == expected, result


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _requests_table(stack):
    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.resources.endpoint)
    return dynamodb.Table(stack.resources.table_name("RequestsTable"))


def _queued_for(stack, user: User, record: dict) -> str:
    """Point an SQS record of a sample event at a new queued request of user's (as the write API stores
    it), so the test owns the request it then checks."""
    body = json.loads(record["body"])
    body["requestId"], body["owner"] = str(uuid.uuid4()), user.sub
    record["body"] = json.dumps(body)
    record["attributes"]["MessageGroupId"] = user.sub
    _requests_table(stack).put_item(
        Item={
            "requestId": body["requestId"],
            "owner": user.sub,
            "status": "queued",
            "input": json.loads(json.dumps(body["movie"]), parse_float=Decimal, parse_int=Decimal),
            "submittedAt": body["submittedAt"],
        }
    )
    return body["requestId"]


def _stored(stack, request_id: str) -> dict:
    return _requests_table(stack).get_item(Key={"requestId": request_id}, ConsistentRead=True)["Item"]


@pytest.mark.usefixtures("library")
def test_the_processor_event_records_each_outcome(stack, alice: User) -> None:
    event = _event("add_processor_batch.json")
    good, bad = (_queued_for(stack, alice, record) for record in event["Records"])

    assert LambdaRuntime().invoke("AddProcessorFunction", event) == {"batchItemFailures": []}

    created, rejected = _stored(stack, good), _stored(stack, bad)
    assert created["status"] == "created" and created["movie"]["title"] == "Paper Lanterns"
    assert rejected["status"] == "rejected" and rejected["error"]["code"] == "VALIDATION_ERROR"
    assert "rating" in rejected["error"]["message"] and "movie" not in rejected
    assert alice.status_of(good)["status"] == "created" and alice.status_of(bad)["status"] == "rejected"


def test_the_dead_letter_event_marks_its_request_failed_and_tells_the_owner(stack, alice: User) -> None:
    event = _event("dead_letter_batch.json")
    request_id = _queued_for(stack, alice, event["Records"][0])

    assert LambdaRuntime().invoke("AddDeadLetterFunction", event) == {"batchItemFailures": []}

    item = _stored(stack, request_id)
    assert item["status"] == "failed" and item["error"] == {"code": "UNAVAILABLE", "message": REASON}
    assert item["completedAt"] >= item["submittedAt"]
    told = alice.status_of(request_id)  # the requests table's stream ran the notifier
    assert told["status"] == "failed" and told["error"] == {"code": "UNAVAILABLE", "message": REASON}


def test_the_notifier_event_reaches_the_owners_socket_only(alice: User, bob: User) -> None:
    event = _event("notifier_stream.json")
    stream = event["Records"][0]["dynamodb"]
    request_id = str(uuid.uuid4())
    for image in (stream["Keys"], stream["NewImage"], stream["OldImage"]):
        image["requestId"] = {"S": request_id}
    for image in (stream["NewImage"], stream["OldImage"]):
        image["owner"] = {"S": alice.sub}
    expected_movie = {
        "id": "a3d2c1b0-9f8e-4d7c-8b6a-5f4e3d2c1b0a",
        "title": "Paper Lanterns",
        "genre": "Drama",
        "rating": 7.1,
        "year": 2023,
        "created_at": "2026-11-25T11:44:06.250000+00:00",
    }

    assert LambdaRuntime().invoke("NotifierFunction", copy.deepcopy(event)) == {"batchItemFailures": []}

    assert alice.status_of(request_id) == {
        "type": "addStatus",
        "requestId": request_id,
        "status": "created",
        "movie": expected_movie,
        "at": "2026-11-25T11:44:06.300Z",
    }
    assert bob.ws is not None  # bob heard nothing of it: the first thing his socket hears is his own pong
    bob.ws.send(json.dumps({"action": "ping"}))
    heard = bob.next_message(5)
    while heard.get("type") == "libraryChanged":  # every connection hears the library grew (issue 22)
        heard = bob.next_message(5)
    assert heard == {"type": "pong"}
