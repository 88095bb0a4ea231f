"""Add requests in DynamoDB: one item per request; its stream tells the notifier about outcomes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from data.aws_clients import table
from domain.messages import TERMINAL, AddRequest, ErrorInfo, RequestStatus
from settings import current

__all__ = ["TERMINAL", "by_owner", "complete", "create", "from_stream_image", "get"]
BY_OWNER = "byOwner"  # the table's index of a user's requests by submittedAt (template.yaml)
RETENTION_SECONDS = 30 * 24 * 3600


def _table() -> Any:
    return table(current().need("requests_table"))


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the API speaks JSON numbers."""
    if isinstance(value, Decimal):  # written as an int (no fractional digits): an int again
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _stored(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _stored(v) for k, v in value.items() if v is not None}
    return value


def create(record: AddRequest) -> tuple[AddRequest, bool]:
    """Store a new request; if its id exists already (a retried POST), return that one and False."""
    item = _stored({**record, "expiresAt": int(time.time()) + RETENTION_SECONDS})
    try:
        _table().put_item(Item=item, ConditionExpression=Attr("requestId").not_exists())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        existing = get(record["requestId"])
        assert existing is not None
        return existing, False
    return cast(AddRequest, _plain(item)), True


def get(request_id: str) -> AddRequest | None:
    item = _table().get_item(Key={"requestId": request_id}, ConsistentRead=True).get("Item")
    return cast(AddRequest, _plain(item)) if item else None


def by_owner(owner: str, limit: int, after: tuple[str, str] | None = None) -> tuple[list[AddRequest], tuple[str, str] | None]:
    """One owner's requests, newest first: up to `limit`, continuing after (submittedAt, requestId); and
    where the next page starts (None at the end)."""
    query: dict[str, Any] = {
        "IndexName": BY_OWNER,
        "KeyConditionExpression": Key("owner").eq(owner),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if after is not None:
        query["ExclusiveStartKey"] = {"owner": owner, "submittedAt": after[0], "requestId": after[1]}
    page = _table().query(**query)
    items = [cast(AddRequest, _plain(item)) for item in page.get("Items", [])]
    last = page.get("LastEvaluatedKey")
    return items, (str(last["submittedAt"]), str(last["requestId"])) if last else None


def complete(
    request_id: str, status: RequestStatus, completed_at: str, movie: dict[str, Any] | None = None, error: ErrorInfo | None = None
) -> bool:
    """Record the outcome once: only a request still queued changes (redeliveries change nothing)."""
    names = {"#s": "status"}
    values: dict[str, Any] = {":s": status, ":at": completed_at, ":queued": "queued"}
    sets = ["#s = :s", "completedAt = :at"]
    if movie is not None:
        sets.append("movie = :m")
        values[":m"] = _stored(movie)
    if error is not None:
        sets.append("#e = :e")
        names["#e"] = "error"
        values[":e"] = error
    try:
        _table().update_item(
            Key={"requestId": request_id},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(requestId) AND #s = :queued",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def from_stream_image(image: Mapping[str, Any]) -> AddRequest | None:
    """A stream record's image, as Powertools' StreamRecord deserialises it (numbers as Decimal),
    as a plain request like get() returns; None for no image (an insert has no old one, a removal no new one)."""
    return cast(AddRequest, {k: _plain(v) for k, v in image.items()}) if image else None
