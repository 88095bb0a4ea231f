"""logic/adds with the data layer faked (tests/unit/fakes.py): submit, status, process, record_outcome,
retry_delay and the dead-letter fail(), each judged by what ends up stored or sent."""

from __future__ import annotations

import json
import uuid

import psycopg2
import pytest

from api.errors import status_of
from domain.errors import NotFound, Unavailable, ValidationError
from logic import adds
from tests.unit.fakes import FakeDb, FakeMovieWrites, FakeQueue, FakeRequests, install

MOVIE = {"title": "Paper Lanterns", "genre": "Drama", "rating": 7.1, "year": 2023}
ALICE = "0a0d3fb6-66e5-423e-ab3c-cc78606a0284"
BOB = "5d9f1b0e-2a64-4f0c-9c1e-7b3a8e6d4f21"


@pytest.fixture()
def store(monkeypatch: pytest.MonkeyPatch) -> FakeRequests:
    return install(monkeypatch, adds, "requests_store", FakeRequests())


@pytest.fixture()
def queue(monkeypatch: pytest.MonkeyPatch) -> FakeQueue:
    return install(monkeypatch, adds, "add_queue", FakeQueue())


@pytest.fixture()
def fake_db(monkeypatch: pytest.MonkeyPatch) -> FakeDb:
    return install(monkeypatch, adds, "db", FakeDb())


@pytest.fixture()
def writes(monkeypatch: pytest.MonkeyPatch, fake_db: FakeDb) -> FakeMovieWrites:
    return install(monkeypatch, adds, "movie_writes", FakeMovieWrites())


def message(request_id: str, movie: dict | None = None, owner: str = ALICE) -> str:
    return json.dumps(
        {"requestId": request_id, "owner": owner, "movie": movie or MOVIE, "submittedAt": "2026-11-25T11:44:06.000Z"}
    )


# --- submit and status (API side) -------------------------------------------------------------------


def test_submit_stores_a_queued_request_and_sends_it_in_the_owners_group(store: FakeRequests, queue: FakeQueue) -> None:
    request, created = adds.submit(ALICE, MOVIE)

    assert created is True
    assert request["status"] == "queued" and request["owner"] == ALICE and request["input"] == MOVIE
    assert store.get(request["requestId"])["status"] == "queued"
    assert queue.sent == [
        {
            "message": {"requestId": request["requestId"], "owner": ALICE, "movie": MOVIE, "submittedAt": request["submittedAt"]},
            "group": ALICE,
            "dedup_id": request["requestId"],
        }
    ]


def test_without_a_key_every_submit_is_a_new_request(store: FakeRequests, queue: FakeQueue) -> None:
    first, _ = adds.submit(ALICE, MOVIE)
    second, created = adds.submit(ALICE, MOVIE)

    assert created is True and first["requestId"] != second["requestId"]
    assert len(store.items) == 2 and len(queue.sent) == 2


def test_a_replayed_key_returns_the_first_request_and_sends_nothing_more(store: FakeRequests, queue: FakeQueue) -> None:
    first, _ = adds.submit(ALICE, MOVIE, idempotency_key="k-1")
    store.complete(first["requestId"], "created", adds.now(), movie={"id": "m-1", **MOVIE})

    replay, created = adds.submit(ALICE, dict(MOVIE), idempotency_key="k-1")

    assert created is False
    assert replay["requestId"] == first["requestId"] and replay["status"] == "created"  # the stored one, as it is now
    assert len(queue.sent) == 1 and len(store.items) == 1


def test_the_same_key_from_two_users_is_two_requests(store: FakeRequests, queue: FakeQueue) -> None:
    alices, _ = adds.submit(ALICE, MOVIE, idempotency_key="same")
    bobs, created = adds.submit(BOB, MOVIE, idempotency_key="same")

    assert created is True and alices["requestId"] != bobs["requestId"]
    assert [s["group"] for s in queue.sent] == [ALICE, BOB]


def test_the_same_key_for_another_movie_is_a_400_that_changes_nothing(store: FakeRequests, queue: FakeQueue) -> None:
    first, _ = adds.submit(ALICE, MOVIE, idempotency_key="k-2")

    with pytest.raises(ValidationError) as raised:
        adds.submit(ALICE, {**MOVIE, "year": 2024}, idempotency_key="k-2")

    assert status_of(raised.value) == 400
    assert raised.value.details == [{"field": "Idempotency-Key", "message": "already used for another request"}]
    assert store.get(first["requestId"])["input"] == MOVIE and len(queue.sent) == 1


@pytest.mark.parametrize("key", ["", "k" * 129])
def test_a_key_of_the_wrong_length_is_a_400_before_anything_is_stored(store: FakeRequests, queue: FakeQueue, key: str) -> None:
    with pytest.raises(ValidationError) as raised:
        adds.submit(ALICE, MOVIE, idempotency_key=key)

    assert status_of(raised.value) == 400 and raised.value.details[0]["field"] == "Idempotency-Key"
    assert store.items == {} and queue.sent == []


def test_a_key_of_128_characters_is_accepted(store: FakeRequests, queue: FakeQueue) -> None:
    request, created = adds.submit(ALICE, MOVIE, idempotency_key="k" * 128)
    assert created is True and request["requestId"] == adds.request_id_for(ALICE, "k" * 128)


def test_status_shows_the_owners_request_and_hides_it_from_others(store: FakeRequests, queue: FakeQueue) -> None:
    request, _ = adds.submit(ALICE, MOVIE)

    shown = adds.status(ALICE, request["requestId"])

    assert shown == {
        "requestId": request["requestId"],
        "status": "queued",
        "input": MOVIE,
        "submittedAt": request["submittedAt"],
    }  # no owner, no expiresAt
    with pytest.raises(NotFound):
        adds.status(BOB, request["requestId"])
    with pytest.raises(NotFound):
        adds.status(ALICE, str(uuid.uuid4()))


# --- process (queue side) -----------------------------------------------------------------------------


def test_a_new_movie_is_created_with_its_normalised_values(writes: FakeMovieWrites) -> None:
    request_id = str(uuid.uuid4())

    outcome = adds.process(message(request_id, {**MOVIE, "title": "  Paper   Lanterns ", "rating": 7}))

    assert outcome["status"] == "created" and outcome["requestId"] == request_id
    assert outcome["movie"]["title"] == "Paper Lanterns" and outcome["movie"]["rating"] == 7.0
    assert writes.calls == [({**MOVIE, "rating": 7.0}, request_id)]


def test_the_same_movie_from_another_request_is_a_duplicate(writes: FakeMovieWrites) -> None:
    first = adds.process(message(str(uuid.uuid4())))
    second = adds.process(message(str(uuid.uuid4()), {**MOVIE, "title": "paper lanterns"}))

    assert (first["status"], second["status"]) == ("created", "duplicate")
    assert second["movie"]["id"] == first["movie"]["id"]


def test_a_redelivered_message_whose_insert_committed_stays_created(writes: FakeMovieWrites) -> None:
    request_id = str(uuid.uuid4())
    first = adds.process(message(request_id))
    again = adds.process(message(request_id))

    assert first["status"] == again["status"] == "created" and again["movie"] == first["movie"]


def test_a_movie_the_rules_refuse_is_rejected_without_touching_the_database(writes: FakeMovieWrites, fake_db: FakeDb) -> None:
    request_id = str(uuid.uuid4())

    outcome = adds.process(message(request_id, {**MOVIE, "rating": 11}))

    assert outcome["status"] == "rejected" and outcome["requestId"] == request_id
    assert outcome["error"]["code"] == "VALIDATION_ERROR" and "rating" in outcome["error"]["message"]
    assert fake_db.calls == 0 and writes.calls == []


@pytest.mark.parametrize(
    ("movie", "problem"),
    [
        ({**MOVIE, "rating": "7.5"}, "rating must be a number"),
        ({**MOVIE, "year": 2023.5}, "year must be an integer"),
        ({**MOVIE, "rating": 7.55}, "rating must have at most one decimal place"),
        ({**MOVIE, "rating": True}, "rating must be a number"),
        ({**MOVIE, "director": "X"}, "director is not a known field"),
        ({k: v for k, v in MOVIE.items() if k != "genre"}, "genre is required"),
    ],
)
def test_a_queued_movie_is_held_to_the_contract_the_api_checked(writes: FakeMovieWrites, movie: dict, problem: str) -> None:
    """The processor checks the queued object itself (types, fields, the rating's step, the rules), as the API
    did before queueing it, without a round trip through JSON text."""
    outcome = adds.process(message(str(uuid.uuid4()), movie))

    assert outcome["status"] == "rejected" and problem in outcome["error"]["message"]
    assert writes.calls == []


def test_an_unreadable_message_is_rejected_and_named_when_its_request_id_shows(writes: FakeMovieWrites) -> None:
    request_id = str(uuid.uuid4())

    broken = adds.process('{"requestId": "' + request_id + '", "movie": ')
    anonymous = adds.process("not json at all")
    no_movie = adds.process(json.dumps({"requestId": request_id}))

    assert broken == {
        "requestId": request_id,
        "status": "rejected",
        "error": {"code": "VALIDATION_ERROR", "message": "The queued message could not be read."},
    }
    assert anonymous["requestId"] is None and anonymous["status"] == "rejected"
    assert no_movie["requestId"] == request_id and no_movie["status"] == "rejected"
    assert writes.calls == []


class SerializationFailure(psycopg2.errors.SerializationFailure):
    pgcode = "40001"  # psycopg2 sets pgcode only on errors the server sent: give this one the server's


class CheckViolation(psycopg2.errors.CheckViolation):
    pgcode = "23514"


@pytest.mark.parametrize(
    "fault",
    [
        Unavailable("The database is unavailable; please retry shortly."),
        SerializationFailure("could not serialize access"),
        TimeoutError("timed out"),
    ],
    ids=["database-unavailable", "serialization-failure", "timeout"],
)
def test_a_transient_fault_raises_so_the_queue_retries(fake_db: FakeDb, writes: FakeMovieWrites, fault: Exception) -> None:
    fake_db.fail = fault
    with pytest.raises(type(fault)):
        adds.process(message(str(uuid.uuid4())))


def test_a_fault_that_would_repeat_is_rejected_at_once_in_words_without_sql(writes: FakeMovieWrites) -> None:
    writes.fail = CheckViolation('new row for relation "movies" violates check constraint "movies_rating_check"')
    request_id = str(uuid.uuid4())

    outcome = adds.process(message(request_id))

    assert outcome == {
        "requestId": request_id,
        "status": "rejected",
        "error": {"code": "VALIDATION_ERROR", "message": "The database refused this movie (check violation)."},
    }


def test_an_unexpected_error_is_rejected_with_a_generic_reason(writes: FakeMovieWrites) -> None:
    writes.fail = ValueError("A string literal cannot contain NUL (0x00) characters.")
    outcome = adds.process(message(str(uuid.uuid4())))
    assert outcome["status"] == "rejected" and outcome["error"]["message"] == "The movie could not be stored."


# --- record_outcome, retry_delay, fail ------------------------------------------------------------------


def test_an_outcome_is_recorded_once(store: FakeRequests) -> None:
    request_id = str(uuid.uuid4())
    store.queued(request_id)
    created = {"requestId": request_id, "status": "created", "movie": {"id": "m-1", **MOVIE}}

    assert adds.record_outcome(created) is True
    assert adds.record_outcome({"requestId": request_id, "status": "duplicate", "movie": {"id": "m-2"}}) is False

    item = store.get(request_id)
    assert item["status"] == "created" and item["movie"]["id"] == "m-1" and "completedAt" in item


def test_a_rejection_is_recorded_with_its_error(store: FakeRequests) -> None:
    request_id = str(uuid.uuid4())
    store.queued(request_id)
    error = {"code": "VALIDATION_ERROR", "message": "rating must be at most 10"}

    assert adds.record_outcome({"requestId": request_id, "status": "rejected", "error": error}) is True
    assert store.get(request_id)["error"] == error and "movie" not in store.get(request_id)


def test_an_outcome_without_a_request_id_is_not_recorded(store: FakeRequests) -> None:
    assert adds.record_outcome({"requestId": None, "status": "rejected"}) is False
    assert store.completes == []


def test_an_outcome_for_an_unknown_request_changes_nothing(store: FakeRequests) -> None:
    assert adds.record_outcome({"requestId": str(uuid.uuid4()), "status": "created"}) is False
    assert store.items == {}


def test_retry_delay_doubles_from_the_first_delay_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADD_RETRY_FIRST_DELAY_SECONDS", raising=False)
    monkeypatch.delenv("ADD_RETRY_MAX_DELAY_SECONDS", raising=False)
    assert [adds.retry_delay(n) for n in range(0, 10)] == [10, 10, 20, 40, 80, 160, 300, 300, 300, 300]
    assert adds.retry_delay(10_000) == 300  # no overflow for a message received very often


def test_retry_delay_follows_its_settings_within_sqs_12_hour_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADD_RETRY_FIRST_DELAY_SECONDS", "3")
    monkeypatch.setenv("ADD_RETRY_MAX_DELAY_SECONDS", "100000")
    assert [adds.retry_delay(n) for n in (1, 2, 3)] == [3, 6, 12]
    assert adds.retry_delay(30) == 43200  # ChangeMessageVisibility's maximum

    monkeypatch.setenv("ADD_RETRY_FIRST_DELAY_SECONDS", "0")
    assert adds.retry_delay(5) == 0


def test_a_dead_lettered_request_is_marked_failed_once(store: FakeRequests) -> None:
    request_id = str(uuid.uuid4())
    store.queued(request_id)

    first = adds.fail(message(request_id), "retries ran out")
    again = adds.fail(message(request_id), "retries ran out")

    assert first == {"status": "failed", "recorded": True} and again == {"status": "failed", "recorded": False}
    item = store.get(request_id)
    assert item["status"] == "failed" and item["error"] == {"code": "UNAVAILABLE", "message": "retries ran out"}


def test_a_dead_lettered_request_that_already_finished_keeps_its_outcome(store: FakeRequests) -> None:
    request_id = str(uuid.uuid4())
    store.queued(request_id)
    store.complete(request_id, "created", adds.now(), movie={"id": "m-1", **MOVIE})

    assert adds.fail(message(request_id), "retries ran out") == {"status": "failed", "recorded": False}
    assert store.get(request_id)["status"] == "created" and "error" not in store.get(request_id)


@pytest.mark.parametrize("body", ["not json", json.dumps({"requestId": "not-a-uuid"}), json.dumps({"movie": MOVIE})])
def test_an_unreadable_dead_letter_is_reported_unrecorded(store: FakeRequests, body: str) -> None:
    assert adds.fail(body, "retries ran out") == {"status": "failed", "recorded": False}
    assert store.completes == []
