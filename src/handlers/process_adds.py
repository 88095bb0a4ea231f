"""Queue consumer: inserts each queued movie and records created / duplicate / rejected.

Only transient faults (the database unreachable) raise, so SQS retries them; after five receives
the message moves to the dead-letter queue. FIFO order: a failure stops the rest of its batch.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers.observability import logger, metrics
from shared import adds

processor = SqsFifoPartialProcessor()


def record_handler(record: SQSRecord) -> dict:
    outcome = adds.process(record.body)
    logger.info("add processed", extra={"message_id": record.message_id, "status": outcome["status"],
                                        "receive_count": record.attributes.approximate_receive_count})
    metrics.add_metric(name=f"Adds{outcome['status'].capitalize()}", unit="Count", value=1)
    return outcome


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
