"""Queue consumer: inserts each queued movie in order, then records the outcomes (created /
duplicate / rejected) side by side, which the requests table's stream turns into notifications.

Only transient faults (the database unreachable) fail a record, so SQS retries it; after five
receives the message moves to the dead-letter queue. FIFO: a failure stops the rest of its batch.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers.observability import logger, metrics, tracer
from shared import adds

processor = SqsFifoPartialProcessor()
writers = ThreadPoolExecutor(max_workers=10, thread_name_prefix="outcome")  # reused across invocations
_outcomes: dict[str, dict] = {}


def record_handler(record: SQSRecord) -> dict:
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


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    _outcomes.clear()
    try:
        response = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                            context=context)
    finally:
        # Outcomes of the records that were processed are written even when the rest of the batch failed.
        unrecorded = [m for m in writers.map(_record, list(_outcomes)) if m]
    failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
    response["batchItemFailures"] = [*response.get("batchItemFailures", []),
                                     *({"itemIdentifier": m} for m in unrecorded if m not in failed)]
    return response
