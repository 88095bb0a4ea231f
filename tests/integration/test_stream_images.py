"""Issue 17: the notifier reads DynamoDB stream images through Powertools' data classes. The records here are
the ones the local event-source mapping builds from moto's stream (what Lambda would deliver), decoded the
way the handler decodes them, and compared with the store's own reads and with DynamoDB-JSON decoding."""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from boto3.dynamodb.types import TypeDeserializer

from data import requests_store
from etl_task.live import dynamodb_sender
from local import template
from local.event_sources import StreamPoller
from logic import etl_live, notifications
from tests.conftest import wait_for


class _Capture:
    """Stands where the Lambda runtime would: keeps every batch the mapping delivers."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def invoke(self, _function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.records += event["Records"]
        return {"batchItemFailures": []}


def _stream_records(stack: Any, table: str, wanted: Any) -> list[dict[str, Any]]:
    """The notifier's mapping for `table`, polled until `wanted(records)` holds; its filters apply."""
    source = next(s for s in template.event_sources() if s.kind == "DynamoDB" and s.resource == table)
    capture = _Capture()
    poller = StreamPoller(source, stack.resources, capture, threading.Event())  # type: ignore[arg-type]

    def poll() -> list[dict[str, Any]] | None:
        poller.poll_once()
        found = [r for r in capture.records if wanted(r)]
        return found or None

    return wait_for(poll, timeout=15)  # type: ignore[return-value]


def _by_hand(image: dict[str, Any]) -> dict[str, Any]:
    """What the handler did before: DynamoDB JSON through boto3's deserializer, numbers made plain."""
    deserializer = TypeDeserializer()
    return {k: requests_store._plain(deserializer.deserialize(v)) for k, v in image.items()}


def test_a_finished_requests_stream_record_decodes_to_what_the_store_reads(stack) -> None:
    request_id = str(uuid.uuid4())
    movie = {
        "id": str(uuid.uuid4()),
        "title": "Stream Image",
        "genre": "Drama",
        "rating": 7.5,
        "year": 2020,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    requests_store.create(
        {
            "requestId": request_id,
            "owner": "stream-user",
            "status": "queued",
            "submittedAt": "2026-01-01T00:00:00Z",
            "movie": {**movie, "id": None},
        }
    )
    assert requests_store.complete(request_id, "created", "2026-01-01T00:00:01Z", movie=movie)

    [raw] = _stream_records(stack, "RequestsTable", lambda r: r["dynamodb"]["Keys"]["requestId"]["S"] == request_id)
    assert raw["eventName"] == "MODIFY"  # the template's filter lets only updates through
    stream = DynamoDBRecord(raw).dynamodb
    assert stream is not None
    assert stream.new_image["movie"]["rating"] == Decimal("7.5")  # Powertools hands numbers over as Decimal

    new = requests_store.from_stream_image(stream.new_image)
    old = requests_store.from_stream_image(stream.old_image)
    assert new == requests_store.get(request_id) == _by_hand(raw["dynamodb"]["NewImage"])
    assert old == _by_hand(raw["dynamodb"]["OldImage"]) and old["status"] == "queued"
    assert new["movie"] == movie and isinstance(new["movie"]["year"], int) and isinstance(new["expiresAt"], int)
    assert not etl_live.is_etl_event(stream.keys)

    message = notifications.status_message(new)
    assert json.loads(json.dumps(message)) == {
        "type": "addStatus",
        "requestId": request_id,
        "status": "created",
        "movie": movie,
        "at": "2026-01-01T00:00:01Z",
    }


def test_an_etl_events_stream_record_gives_back_the_message_the_task_sent(stack) -> None:
    run_id = str(uuid.uuid4())
    sent = {"type": "etlProgress", "runId": run_id, "seq": 1, "filesPerSecond": 12.5, "counts": {"filesDownloaded": 3}}
    dynamodb_sender(stack.resources.table_name("EtlEventsTable"))(sent)

    [raw] = _stream_records(stack, "EtlEventsTable", lambda r: r["dynamodb"]["Keys"]["runId"]["S"] == run_id)
    stream = DynamoDBRecord(raw).dynamodb
    assert stream is not None
    assert etl_live.is_etl_event(stream.keys) and stream.keys["seq"] == 1
    assert etl_live.message_of(stream.new_image) == sent
    assert etl_live.message_of({"message": json.dumps({"type": "somethingElse"})}) is None
    assert etl_live.message_of({}) is None
