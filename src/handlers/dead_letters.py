"""Dead-letter consumer: a request whose retries ran out is marked failed (which notifies its submitter)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api.observability import logger, metrics, tracer
from logic import adds

settings.require("requests_table")  # cold start: fail now, naming what is missing
processor = SqsFifoPartialProcessor(skip_group_on_error=True)  # one stuck request holds back only its user
REASON = adds.GAVE_UP_REASON


def record_handler(record: SQSRecord) -> dict[str, Any]:
    outcome = adds.fail(record.body)
    logger.warning("add failed for good", extra={"message_id": record.message_id, **outcome})
    metrics.add_metric(name="AddsFailed", unit="Count", value=1)
    return outcome


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
