"""Issue 17: the Idempotency-Key header is read case-insensitively (Powertools' headers), in whatever case
the client wrote it: API Gateway REST hands the names to the function as they came."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from local.runtime import LambdaRuntime
from tests.e2e.live import User

EVENT = Path(__file__).resolve().parents[2] / "events" / "write_api_add_movie.json"


@pytest.mark.deployable  # on AWS the names reach the function as the client wrote them
def test_an_odd_case_idempotency_key_through_the_gateway_is_deduplicated(alice: User) -> None:
    key = f"odd-case-{uuid.uuid4()}"
    movie = {"title": f"Header Case {key}", "genre": "Drama", "rating": 6.5, "year": 2021}
    first = alice.add(movie, **{"IDEMPOTENCY-KEY": key})
    second = alice.add(movie, **{"Idempotency-Key": key})
    third = alice.add(movie, **{"idempotency-key": key})
    assert first.status_code == second.status_code == third.status_code == 202, first.text
    assert first.json()["requestId"] == second.json()["requestId"] == third.json()["requestId"]
    assert "nothing was queued again" in second.json()["message"] and "nothing was queued again" in third.json()["message"]
    assert alice.status_of(first.json()["requestId"])["status"] == "created"


def test_the_function_reads_the_key_in_the_case_api_gateway_passes_it(stack) -> None:
    """Invoked with the event API Gateway builds for a client that sent `IDEMPOTENCY-KEY` (the local gateway
    sits behind an ASGI server, which lower-cases every name, so it cannot show this case)."""
    key = f"as-sent-{uuid.uuid4()}"
    results = []
    for name in ("IDEMPOTENCY-KEY", "Idempotency-Key", "idempotency-KEY"):
        event = json.loads(EVENT.read_text())
        event["body"] = json.dumps({"title": f"As Sent {key}", "genre": "Drama", "rating": 6.0, "year": 2022})
        for field in ("headers", "multiValueHeaders"):
            value = event[field].pop("Idempotency-Key")
            event[field][name] = value if field == "headers" else [key]
        event["headers"][name] = key
        results.append(LambdaRuntime().invoke("WriteApiFunction", event))
    assert [r["statusCode"] for r in results] == [202, 202, 202], results
    bodies = [json.loads(r["body"]) for r in results]
    assert len({b["requestId"] for b in bodies}) == 1
    assert [("nothing was queued again" in b["message"]) for b in bodies] == [False, True, True]
