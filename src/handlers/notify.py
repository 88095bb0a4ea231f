"""Stream consumer (outside the VPC): sends each finished request to its submitter's WebSockets, and the
ETL task's progress messages (from the ETL events table's stream) to every connected user."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import settings
from api.observability import logger, tracer
from logic import etl_live, library_live, notifications

settings.require("connections_table", "ws_management_endpoint")  # cold start: fail now, naming what is missing
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    stream = record.dynamodb  # Powertools deserialises Keys/NewImage/OldImage (numbers as Decimal)
    if stream is None:
        return
    if library_live.is_library_event(stream.keys):
        return  # the batch's library changes went out together, before the batch (lambda_handler)
    if etl_live.is_etl_event(stream.keys):  # the ETL events table: progress for every connected user
        message = etl_live.message_of(stream.new_image)
        if message:
            logger.info("etl message sent", extra={"run_id": message.get("runId"), **etl_live.broadcast(message)})
            library_live.announce(library_live.etl_changes(message), logger)
        return
    sent = notifications.on_request_changed(stream.new_image, stream.old_image)
    if sent is not None:
        logger.info("outcome sent", extra=sent)
        if sent.get("status") == "created":
            library_live.announce(library_live.added(stream.new_image), logger)


def _library_changes(event: dict[str, Any]) -> None:
    """libraryChanged: every library-events record of the batch in one message to each connection."""
    changes = library_live.changes_in(event)
    if changes:
        logger.info("libraryChanged sent", extra={"changes": len(changes), **library_live.broadcast(changes)})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _library_changes(event)  # raising retries the whole batch, as Lambda does
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
