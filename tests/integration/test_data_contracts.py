"""One behaviour suite per data module, run over the unit fake (tests/unit/fakes.py) and the real module,
so the fakes the unit layer trusts keep the real module's conditional semantics (src/data/protocols.py).

The real requests store runs on moto in this process (boto3 itself, the module's own conditions), which is
cheap; the PostgreSQL modules are checked against their protocol's parameters in tests/unit/test_fake_contracts.py
and end to end by the stack tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from data import aws_clients, requests_store
from data.protocols import RequestsStore
from tests.unit.fakes import FakeRequests

MOVIE = {"title": "Paper Lanterns", "genre": "Drama", "rating": 7.1, "year": 2023}


@pytest.fixture(params=["fake", "real"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[RequestsStore]:
    if request.param == "fake":
        yield FakeRequests()
        return
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("REQUESTS_TABLE", "contract-requests")
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="contract-requests", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}])
        aws_clients._local.__dict__.pop("tables", None)  # a table resource made for another endpoint
        yield requests_store
        aws_clients._local.__dict__.pop("tables", None)


def queued(request_id: str, movie: dict[str, Any] | None = None) -> Any:
    return {"requestId": request_id, "owner": "owner-1", "status": "queued", "input": movie or MOVIE,
            "submittedAt": "2026-11-25T11:44:06.000Z"}


def test_create_stores_a_new_request_once(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    created, new = store.create(queued(request_id))
    again, new_again = store.create(queued(request_id, {**MOVIE, "year": 1999}))

    assert new is True and new_again is False
    assert created["input"] == MOVIE and again["input"] == MOVIE  # the first one stays
    assert isinstance(created["expiresAt"], int) and store.get(request_id) == created


def test_get_of_an_unknown_request_is_none(store: RequestsStore) -> None:
    assert store.get(str(uuid.uuid4())) is None


def test_complete_records_the_first_outcome_only(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    store.create(queued(request_id))
    movie = {"id": str(uuid.uuid4()), **MOVIE}

    assert store.complete(request_id, "created", "2026-11-25T11:44:07.000Z", movie=movie) is True
    assert store.complete(request_id, "rejected", "2026-11-25T11:44:08.000Z",
                          error={"code": "VALIDATION_ERROR", "message": "no"}) is False

    stored = store.get(request_id)
    assert stored is not None
    assert (stored["status"], stored["completedAt"], stored["movie"]) == ("created", "2026-11-25T11:44:07.000Z", movie)
    assert "error" not in stored and isinstance(stored["movie"]["year"], int)


def test_complete_of_an_unknown_request_changes_nothing(store: RequestsStore) -> None:
    request_id = str(uuid.uuid4())
    assert store.complete(request_id, "failed", "2026-11-25T11:44:07.000Z",
                          error={"code": "UNAVAILABLE", "message": "gone"}) is False
    assert store.get(request_id) is None
