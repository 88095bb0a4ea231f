"""Lambda's event source mappings, locally: poll the template's SQS queues and DynamoDB streams and
invoke their functions in batches, honouring batchItemFailures, visibility timeouts and redrive."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import boto3

from local import private_api, template
from local.aws import AwsResources
from local.runtime import LambdaRuntime

log = logging.getLogger("local.event_sources")
_stream_lock = threading.Lock()


def _serialise_moto_stream_writes() -> None:
    """moto numbers a stream record `len(records) + start` without a lock, so two writes at the same
    moment (the processor records outcomes side by side) can share a sequence number, and a shard
    iterator that ends on the first of them hands the second out again: one outcome notified twice.
    DynamoDB Streams numbers every record uniquely; writes to moto's shards one at a time do too."""
    from moto.dynamodb.models.table import StreamShard

    if getattr(StreamShard.add, "serialised", False):
        return
    private_api.STREAM_SHARD_ADD.check()
    unlocked = StreamShard.add

    def add(self: StreamShard, old: Any, new: Any) -> None:
        with _stream_lock:
            unlocked(self, old, new)

    add.serialised = True  # type: ignore[attr-defined]
    add.__wrapped__ = unlocked  # type: ignore[attr-defined]  # what private_api's shape check inspects
    StreamShard.add = add  # type: ignore[method-assign]


# Lambda polls each shard of a stream at a base rate of 4 times a second. Polling faster (this was 0.1 s, with a
# DescribeStream each time: 60 calls a second for three streams, past DescribeStream's 10 a second) kept an idle
# stack at 15% of a core and, sharing the GIL with the gateway, tripled its p95.
STREAM_POLL_SECONDS = 0.25
# Shards change only when DynamoDB splits or rolls one over (moto never does): look for new ones now and then.
SHARD_REFRESH_SECONDS = 10.0


def _matches(record: dict, patterns: tuple[dict, ...]) -> bool:
    """Event filtering as Lambda does it, for the simple {"field": [values]} patterns the template uses."""
    return not patterns or any(all(record.get(k) in v for k, v in p.items()) for p in patterns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class _Poller(threading.Thread):
    """The loop every event source mapping runs until the stack stops."""

    stop_event: threading.Event
    idle_seconds = 0.1  # before the next poll when one found nothing

    def poll_once(self) -> int:  # records seen; 0: nothing came, wait a little before the next poll
        raise NotImplementedError

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if not self.poll_once():
                    self.stop_event.wait(self.idle_seconds)
            except Exception:
                # moto refusing a call must not end the mapping (Lambda's keeps polling too); it is
                # logged, except while the stack shuts down and moto goes away under the poller.
                if not self.stop_event.is_set():
                    log.exception("%s: polling failed; retrying", self.name)
                    self.stop_event.wait(0.5)


class SqsPoller(_Poller):
    def __init__(self, source: template.EventSource, resources: AwsResources, runtime: LambdaRuntime, stop: threading.Event):
        super().__init__(name=f"sqs-{source.function}", daemon=True)
        self.source, self.runtime, self.stop_event = source, runtime, stop
        self.url = resources.queue_url(source.resource)
        self.arn = resources.refs[source.resource]["Arn"]
        self.sqs = boto3.client("sqs", endpoint_url=resources.endpoint)
        self.invocations = 0

    def _record(self, m: Any) -> dict:
        return {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": self.sqs.meta.region_name,
        }

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 1  # the receive itself waited (long polling)
        records = [self._record(m) for m in messages]
        try:
            result = self.runtime.invoke(self.source.function, {"Records": records})
            failed = (
                {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
                if self.source.report_failures
                else set()
            )
        except Exception:  # a function error: as in Lambda, the whole batch becomes visible again later
            log.exception("%s failed; the whole batch returns to the queue", self.source.function)
            failed = {r["messageId"] for r in records}
        self.invocations += 1
        done: list[Any] = [
            {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(records) if r["messageId"] not in failed
        ]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=done)
        # Failed messages stay invisible until their visibility timeout ends, then come back (or go to the DLQ).
        return len(records)


class StreamPoller(_Poller):
    MAX_RETRIES = 3
    idle_seconds = STREAM_POLL_SECONDS

    def __init__(self, source: template.EventSource, resources: AwsResources, runtime: LambdaRuntime, stop: threading.Event):
        super().__init__(name=f"stream-{source.function}", daemon=True)
        self.source, self.runtime, self.stop_event = source, runtime, stop
        self.arn = resources.refs[source.resource]["StreamArn"]
        self.streams = boto3.client("dynamodbstreams", endpoint_url=resources.endpoint)
        self.iterators: dict[str, str] = {}
        self.shards_listed: float | None = None
        # Per shard, as Lambda batches: records read, waiting for the batching window or a full batch.
        self.gathered: dict[str, list[dict]] = {}
        self.gathering_since: dict[str, float] = {}
        self.invocations = 0

    def _refresh_shards(self) -> None:
        now = time.monotonic()
        if self.shards_listed is not None and now - self.shards_listed < SHARD_REFRESH_SECONDS:
            return
        self.shards_listed = now
        for shard in self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in self.iterators:
                self.iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def poll_once(self) -> int:
        self._refresh_shards()
        seen = 0
        for shard_id, iterator in list(self.iterators.items()):
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            self.iterators[shard_id] = page.get("NextShardIterator") or iterator
            records = [_jsonable({**r, "eventSourceARN": self.arn}) for r in page.get("Records", [])]
            seen += len(records)
            records = [r for r in records if _matches(r, self.source.filters)]
            gathered = self.gathered.setdefault(shard_id, [])
            if records and not gathered:
                self.gathering_since[shard_id] = time.monotonic()
            gathered += records
            self._flush(shard_id)
        return seen

    def _flush(self, shard_id: str) -> None:
        """As Lambda, per shard: full batches go at once, the rest once the batching window has passed since its
        first record; a remainder left after full batches starts a window of its own."""
        gathered, size = self.gathered[shard_id], self.source.batch_size
        expired = bool(gathered) and time.monotonic() - self.gathering_since[shard_id] >= self.source.batching_window
        cut = len(gathered) if expired else len(gathered) - len(gathered) % size
        if not cut:
            return
        for start in range(0, cut, size):
            self._deliver(gathered[start : start + size])
        self.gathered[shard_id] = gathered[cut:]
        self.gathering_since[shard_id] = time.monotonic()

    def _deliver(self, batch: list[dict]) -> None:
        # MaximumRetryAttempts; -1 (Lambda: until the records expire, 24 h) is capped here.
        retries = self.source.max_retries if self.source.max_retries >= 0 else self.MAX_RETRIES
        for _attempt in range(retries + 1):
            try:
                result = self.runtime.invoke(self.source.function, {"Records": batch})
            except Exception:  # a function error: retried, as Lambda retries a stream batch
                log.exception("%s failed on a stream batch; retrying", self.source.function)
                continue
            finally:
                self.invocations += 1
            failures = (result or {}).get("batchItemFailures", [])
            if not failures:
                return
            # Retry from the first failed sequence number; one that is not in the batch fails the whole batch.
            first = failures[0].get("itemIdentifier")
            batch = batch[next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == first), 0) :]
        log.error("%s: dropping %d stream records after %d retries", self.source.function, len(batch), retries)


class EventSources:
    def __init__(self, resources: AwsResources, runtime: LambdaRuntime):
        _serialise_moto_stream_writes()
        self.stop_event = threading.Event()
        self.pollers: list[SqsPoller | StreamPoller] = []
        for source in template.event_sources():
            cls = SqsPoller if source.kind == "SQS" else StreamPoller
            self.pollers.append(cls(source, resources, runtime, self.stop_event))

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + 5
        for poller in self.pollers:
            poller.join(max(0.0, deadline - time.monotonic()))
