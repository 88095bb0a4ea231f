"""The add queue (SQS FIFO): the one place that sends to it or changes a message's visibility."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from data.aws_clients import client
from domain.messages import QueueMessage
from settings import current

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef


def _url() -> str:
    return current().need("add_queue_url")


def send(message: QueueMessage, group: str, dedup_id: str) -> None:
    """group keeps one user's adds in order; a resend with the same dedup_id within 5 minutes is dropped by SQS."""
    client("sqs").send_message(
        QueueUrl=_url(), MessageBody=json.dumps(message), MessageGroupId=group, MessageDeduplicationId=dedup_id
    )


def delay_retries(delays: list[tuple[str, int]]) -> None:
    """(receipt handle, seconds) for each message to return to the queue after that many seconds."""
    entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
        {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds} for i, (handle, seconds) in enumerate(delays)
    ]
    for start in range(0, len(entries), 10):  # the batch call takes at most 10 entries
        client("sqs").change_message_visibility_batch(QueueUrl=_url(), Entries=entries[start : start + 10])
