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

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse, PartialItemFailures
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.observability import logger, metrics, tracer
from data import add_queue
from logic import adds

processor = SqsFifoPartialProcessor(skip_group_on_error=True)  # a failure holds back only its user
# A batch that failed whole is reported record by record too, so it gets the growing retry delay
# (raising would hand it back after the queue's visibility timeout instead).
processor.raise_on_entire_batch_failure = False
writers = ThreadPoolExecutor(max_workers=10, thread_name_prefix="outcome")  # reused across invocations
_outcomes: dict[str, adds.Outcome] = {}


def record_handler(record: SQSRecord) -> adds.Outcome:
    outcome = adds.process(record.body)
    _outcomes[record.message_id] = outcome
    logger.info("add processed", extra={"message_id": record.message_id, "status": outcome["status"],
                                        "request_id": outcome.get("requestId"),
                                        "receive_count": record.attributes.approximate_receive_count})
    metrics.add_metric(name=f"Adds{outcome['status'].capitalize()}", unit="Count", value=1)
    return outcome


def _record(message_id: str) -> str | None:
    """The message id if its outcome could not be stored (the message is then retried)."""
    try:
        adds.record_outcome(_outcomes[message_id])
        return None
    except Exception:
        logger.exception("could not record an outcome; the message will be retried", extra={"message_id": message_id})
        return message_id


def _back_off(event: dict[str, Any], failed: set[str]) -> None:
    """Failed records return after a delay that grows with each receive (best effort: if this call
    fails, the queue's own visibility timeout applies)."""
    delays = [(r["receiptHandle"], adds.retry_delay(int(r.get("attributes", {}).get("ApproximateReceiveCount", 1))))
              for r in event.get("Records", []) if r["messageId"] in failed]
    if not delays:
        return
    try:
        add_queue.delay_retries(delays)
    except Exception:
        logger.exception("could not set the retry delay; the queue's visibility timeout applies")


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _outcomes.clear()
    try:
        response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                            context=context)
    finally:
        # Outcomes of the records that were processed are written even when the rest of the batch failed.
        unrecorded = [m for m in writers.map(_record, list(_outcomes)) if m]
    failures = response.get("batchItemFailures", [])
    failed = {str(f["itemIdentifier"]) for f in failures}  # SQS identifies a record by its message id
    also_failed: list[PartialItemFailures] = [{"itemIdentifier": m} for m in unrecorded if m not in failed]
    response["batchItemFailures"] = [*failures, *also_failed]
    _back_off(event, failed | set(unrecorded))
    return response
