"""Queue consumer: inserts each queued movie in order, then records the outcomes (created /
duplicate / rejected) side by side, which the requests table's stream turns into notifications.

Only transient faults (the database unreachable, a serialization failure, a timeout) fail a record;
anything that would fail the same way again is `rejected` at once. A failed record holds back only
its own message group (its user), and comes back later and later (adds.retry_delay, set with
ChangeMessageVisibility), so an outage of several minutes ends in `created`, not in the dead-letter queue.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse, PartialItemFailures
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api.observability import logger, metrics, tracer
from domain.messages import Outcome
from logic import adds

settings.require("add_queue_url", "requests_table")  # cold start: fail now, naming what is missing
processor = SqsFifoPartialProcessor(skip_group_on_error=True)  # a failure holds back only its user
# A batch that failed whole is reported record by record too, so it gets the growing retry delay
# (raising would hand it back after the queue's visibility timeout instead).
processor.raise_on_entire_batch_failure = False
writers = ThreadPoolExecutor(max_workers=10, thread_name_prefix="outcome")  # reused across invocations


def record_handler(record: SQSRecord) -> Outcome:
    outcome = adds.process(record.body)
    logger.info(
        "add processed",
        extra={
            "message_id": record.message_id,
            "status": outcome["status"],
            "request_id": outcome.get("requestId"),
            "receive_count": record.attributes.approximate_receive_count,
        },
    )
    metrics.add_metric(name=f"Adds{outcome['status'].capitalize()}", unit="Count", value=1)
    return outcome


def _record(processed: tuple[str, Outcome]) -> str | None:
    """The message id if its outcome could not be stored (the message is then retried)."""
    message_id, outcome = processed
    try:
        adds.record_outcome(outcome)
        return None
    except Exception:
        logger.exception("could not record an outcome; the message will be retried", extra={"message_id": message_id})
        return message_id


def _back_off(event: dict[str, Any], failed: set[str]) -> None:
    """Failed records return after a delay that grows with each receive (best effort: if this call
    fails, the queue's own visibility timeout applies)."""
    retries = [
        (r["receiptHandle"], int(r.get("attributes", {}).get("ApproximateReceiveCount", 1)))
        for r in event.get("Records", [])
        if r["messageId"] in failed
    ]
    try:
        adds.delay_failed(retries)
    except Exception:
        logger.exception("could not set the retry delay; the queue's visibility timeout applies")


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Powertools' batch results: ("success", outcome, record) for each record processed, ("fail", …) otherwise.
    with processor(event["Records"], record_handler, context):
        results = processor.process()
    response = processor.response()
    # Outcomes of the records that were processed are written even when the rest of the batch failed.
    done = [(str(record["messageId"]), outcome) for status, outcome, record in results if status == "success"]
    unrecorded = [m for m in writers.map(_record, done) if m]
    failures = response.get("batchItemFailures", [])
    failed = {str(f["itemIdentifier"]) for f in failures}  # SQS identifies a record by its message id
    also_failed: list[PartialItemFailures] = [{"itemIdentifier": m} for m in unrecorded if m not in failed]
    response["batchItemFailures"] = [*failures, *also_failed]
    _back_off(event, failed | set(unrecorded))
    return response
