"""The queue handlers' own logic, with logic/adds (or its data layer) faked: the add processor merges
failed records and unrecorded outcomes into batchItemFailures and delays their retries; the dead-letter
handler marks requests failed. Events are the sample events in events/ (what SQS hands the function)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from handlers import dead_letters, process_adds
from logic import adds
from tests.lambda_context import LambdaContext
from tests.unit.fakes import FakeAdds, FakeDb, FakeMovieWrites, FakeQueue, FakeRequests, ids, install

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def request_id(record: dict) -> str:
    return json.loads(record["body"])["requestId"]


def context(name: str) -> LambdaContext:
    return LambdaContext(function_name=name, timeout_s=30)


@pytest.fixture()
def batch() -> dict:
    """Two messages of one user (one message group): the sample batch."""
    return sample("add_processor_batch.json")


@pytest.fixture()
def queue(monkeypatch: pytest.MonkeyPatch) -> FakeQueue:
    return install(monkeypatch, adds, "add_queue", FakeQueue())


@pytest.fixture()
def no_env_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADD_RETRY_FIRST_DELAY_SECONDS", raising=False)
    monkeypatch.delenv("ADD_RETRY_MAX_DELAY_SECONDS", raising=False)


def fake_adds(monkeypatch: pytest.MonkeyPatch, outcomes: dict) -> FakeAdds:
    return install(monkeypatch, process_adds, "adds", FakeAdds(outcomes, delay_failed=adds.delay_failed))


def with_second_group(batch: dict) -> dict:
    """The sample batch with its second message from another user (its own message group)."""
    event = copy.deepcopy(batch)
    event["Records"][1]["attributes"]["MessageGroupId"] = "another-user"
    return event


def test_a_clean_batch_records_every_outcome_and_delays_nothing(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue
) -> None:
    first, second = (request_id(r) for r in batch["Records"])
    fake = fake_adds(monkeypatch, {first: {"status": "created"}, second: {"status": "rejected"}})

    response = process_adds.lambda_handler(batch, context("AddProcessorFunction"))

    assert response == {"batchItemFailures": []}
    assert sorted((o["requestId"], o["status"]) for o in fake.recorded) == sorted([(first, "created"), (second, "rejected")])
    assert queue.delays == []


def test_an_outcome_that_cannot_be_stored_fails_only_its_message(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue, no_env_delays: None
) -> None:
    first, second = batch["Records"]
    fake = fake_adds(monkeypatch, {request_id(first): {"status": "created"}, request_id(second): {"status": "created"}})
    fake.fail_record = {request_id(first)}

    response = process_adds.lambda_handler(batch, context("AddProcessorFunction"))

    assert ids(response["batchItemFailures"]) == [first["messageId"]]
    assert [o["requestId"] for o in fake.recorded] == [request_id(second)]
    assert queue.delays == [[(first["receiptHandle"], 10)]]


def test_a_raising_record_fails_with_the_rest_of_its_group_and_comes_back_later(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue, no_env_delays: None
) -> None:
    first, second = batch["Records"]
    first["attributes"]["ApproximateReceiveCount"] = "3"  # its third try: the delay has doubled twice
    fake = fake_adds(
        monkeypatch, {request_id(first): ConnectionError("database down"), request_id(second): {"status": "created"}}
    )

    response = process_adds.lambda_handler(batch, context("AddProcessorFunction"))

    # FIFO order: the second message of the same user is not processed before the first.
    assert ids(response["batchItemFailures"]) == [first["messageId"], second["messageId"]]
    assert fake.processed == [request_id(first)] and fake.recorded == []
    assert queue.delays == [[(first["receiptHandle"], 40), (second["receiptHandle"], 10)]]


def test_outcomes_are_recorded_even_when_another_record_of_the_batch_failed(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue, no_env_delays: None
) -> None:
    event = with_second_group(batch)
    first, second = event["Records"]
    first["attributes"]["ApproximateReceiveCount"] = "20"
    fake = fake_adds(
        monkeypatch, {request_id(first): TimeoutError("statement timeout"), request_id(second): {"status": "duplicate"}}
    )

    response = process_adds.lambda_handler(event, context("AddProcessorFunction"))

    assert ids(response["batchItemFailures"]) == [first["messageId"]]
    assert [(o["requestId"], o["status"]) for o in fake.recorded] == [(request_id(second), "duplicate")]
    assert queue.delays == [[(first["receiptHandle"], 300)]]  # capped


def test_a_failed_record_and_an_unrecorded_outcome_are_both_retried_once_each(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue, no_env_delays: None
) -> None:
    event = with_second_group(batch)
    first, second = event["Records"]
    second["attributes"]["ApproximateReceiveCount"] = "2"
    fake = fake_adds(
        monkeypatch, {request_id(first): ConnectionError("database down"), request_id(second): {"status": "created"}}
    )
    fake.fail_record = {request_id(second)}

    response = process_adds.lambda_handler(event, context("AddProcessorFunction"))

    assert sorted(ids(response["batchItemFailures"])) == sorted([first["messageId"], second["messageId"]])
    assert len(response["batchItemFailures"]) == 2
    assert sorted(queue.delays[0]) == sorted([(first["receiptHandle"], 10), (second["receiptHandle"], 20)])


def test_when_the_delay_cannot_be_set_the_failures_are_still_reported(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue
) -> None:
    first, second = batch["Records"]
    fake_adds(monkeypatch, {request_id(first): ConnectionError("down"), request_id(second): {"status": "created"}})
    queue.fail_delays = ConnectionError("SQS unreachable")

    response = process_adds.lambda_handler(batch, context("AddProcessorFunction"))

    assert ids(response["batchItemFailures"]) == [first["messageId"], second["messageId"]]
    assert len(queue.delays) == 1


def test_the_sample_batch_through_the_real_use_case_creates_one_and_rejects_one(
    monkeypatch: pytest.MonkeyPatch, batch: dict, queue: FakeQueue
) -> None:
    """process_adds with the real logic/adds and only the data layer faked."""
    store, writes = FakeRequests(), FakeMovieWrites()
    for module, name, fake in ((adds, "requests_store", store), (adds, "db", FakeDb()), (adds, "movie_writes", writes)):
        monkeypatch.setattr(module, name, fake)
    first, second = (request_id(r) for r in batch["Records"])
    store.queued(first)
    store.queued(second)

    response = process_adds.lambda_handler(batch, context("AddProcessorFunction"))

    assert response == {"batchItemFailures": []}
    assert store.get(first)["status"] == "created" and store.get(first)["movie"]["title"] == "Paper Lanterns"
    assert store.get(second)["status"] == "rejected" and "rating" in store.get(second)["error"]["message"]
    assert [call[1] for call in writes.calls] == [first]


def test_the_dead_letter_handler_marks_the_request_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeRequests()
    monkeypatch.setattr(adds, "requests_store", store)
    event = sample("dead_letter_batch.json")
    rid = request_id(event["Records"][0])
    store.queued(rid)

    response = dead_letters.lambda_handler(event, context("AddDeadLetterFunction"))

    assert response == {"batchItemFailures": []}
    assert store.get(rid)["status"] == "failed"
    assert store.get(rid)["error"] == {"code": "UNAVAILABLE", "message": dead_letters.REASON}


def test_a_dead_letter_whose_failure_cannot_be_stored_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeRequests()
    monkeypatch.setattr(adds, "requests_store", store)
    event = sample("dead_letter_batch.json")
    stored = event["Records"][0]
    unstored = copy.deepcopy(stored)  # another user's dead letter, whose write fails
    unstored["messageId"] = "0f2a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a54"
    unstored["attributes"]["MessageGroupId"] = "another-user"
    unstored["body"] = stored["body"].replace(request_id(stored), "7c1e4a52-3b6d-4f8e-9a0b-1c2d3e4f5a64")
    event["Records"].append(unstored)
    for record in event["Records"]:
        store.queued(request_id(record))
    store.fail_complete[request_id(unstored)] = ConnectionError("DynamoDB unreachable")

    response = dead_letters.lambda_handler(event, context("AddDeadLetterFunction"))

    assert ids(response["batchItemFailures"]) == [unstored["messageId"]]
    assert store.get(request_id(stored))["status"] == "failed"
    assert store.get(request_id(unstored))["status"] == "queued"

    # A batch whose every record failed fails the invocation (Powertools' default): SQS retries it whole.
    with pytest.raises(BatchProcessingError):
        dead_letters.lambda_handler({"Records": [unstored]}, context("AddDeadLetterFunction"))
