"""Adding a movie: accept and queue (API side), then insert and record the outcome (queue side)."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, NotRequired, TypedDict

from api import openapi
from api.errors import FieldProblem, NotFound, PayloadTooLarge, ValidationError, is_transient
from data import add_queue, db, movie_writes, requests_store
from logic import normalize

MAX_BODY_BYTES = 16 * 1024
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0c6f5e-8d7e-4a43-9c1f-2f6b8d1e7a10")
_REQUEST_ID = re.compile(r'"requestId"\s*:\s*"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')


class Outcome(TypedDict):
    """What processing one queued add came to; record_outcome() stores it on the request."""

    requestId: str | None  # None: the message was unreadable and named no request
    status: Literal["created", "duplicate", "rejected"]
    movie: NotRequired[dict[str, Any]]
    error: NotRequired[dict[str, str]]  # code, message


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_new_movie(body: str | None) -> dict[str, Any]:
    """Validate a body against the OpenAPI MovieInput schema and normalise it: accepted means storable."""
    if body is not None and len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
    try:
        return normalise(openapi.parse_body("addMovie", body))
    except RecursionError as exc:  # e.g. [[[[…]]]] thousands deep: no movie looks like that
        raise ValidationError("The request body is nested too deeply; send a flat JSON object.",
                              [{"field": "body", "message": "nested too deeply"}]) from exc


def body_text(body: str | None, is_base64: bool) -> str | None:
    """The body as text; bytes that are not UTF-8 (which API Gateway passes base64-encoded) are a 400."""
    if not is_base64 or not body:
        return body
    try:
        raw = base64.b64decode(body, validate=True)
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError("The request body is not UTF-8 text; send a JSON object.",
                              [{"field": "body", "message": "not UTF-8 text"}]) from exc


def _required_number(field: str, value: Any) -> Decimal:
    number = normalize.number(field, value)
    if number is None:
        raise normalize.Invalid(field, "is required")
    return number


def normalise(movie: dict[str, Any]) -> dict[str, Any]:
    """The schema-valid movie as it will be stored, or a 400 naming each field that cannot be stored."""
    checks: dict[str, Callable[[Any], Any]] = {
        "title": lambda v: normalize.text("title", v, normalize.MAX_TITLE),
        "genre": lambda v: normalize.text("genre", v, normalize.MAX_GENRE),
        "rating": lambda v: float(normalize.rating(_required_number("rating", v))),
        "year": lambda v: normalize.year(_required_number("year", v)),
    }
    out: dict[str, Any] = {}
    details: list[FieldProblem] = []
    for field, check in checks.items():
        try:
            out[field] = check(movie.get(field))
        except (normalize.Invalid, TypeError) as exc:
            problem = exc.problem if isinstance(exc, normalize.Invalid) else "is required"
            details.append({"field": field, "message": problem})
    if details:
        summary = "; ".join(f"{d['field']} {d['message']}" for d in details)
        raise ValidationError(f"Invalid movie: {summary}.", details)
    return out


def request_id_for(owner: str, idempotency_key: str | None) -> str:
    """A retried POST with the same Idempotency-Key maps to the same request."""
    if idempotency_key:
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{owner}\n{idempotency_key}"))
    return str(uuid.uuid4())


def submit(owner: str, movie: dict[str, Any], idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Record the request (queued) and send it to the FIFO queue. Returns (request, newly queued)."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 128:
        raise ValidationError("The Idempotency-Key header must be 1 to 128 characters.",
                              [{"field": "Idempotency-Key", "message": "1 to 128 characters"}])
    request_id = request_id_for(owner, idempotency_key)
    record = {"requestId": request_id, "owner": owner, "status": "queued", "input": movie, "submittedAt": now()}
    stored, created = requests_store.create(record)
    if not created:
        if stored["owner"] != owner or stored.get("input") != movie:
            raise ValidationError("This Idempotency-Key was already used for a different movie.",
                                  [{"field": "Idempotency-Key", "message": "already used for another request"}])
        return stored, False
    add_queue.send({"requestId": request_id, "owner": owner, "movie": movie, "submittedAt": record["submittedAt"]},
                   group=owner, dedup_id=request_id)
    return stored, True


def status(owner: str, request_id: str) -> dict[str, Any]:
    record = requests_store.get(request_id)
    if record is None or record.get("owner") != owner:  # someone else's request does not exist for you
        raise NotFound(f"No add request {request_id}.")
    return {k: record[k] for k in ("requestId", "status", "movie", "input", "error", "submittedAt", "completedAt")
            if k in record}


def process(body: str) -> Outcome:
    """Insert one queued movie; returns its outcome, which record_outcome() then stores.

    Business outcomes (created, duplicate, rejected) return; only transient faults raise.
    """
    try:
        message = json.loads(body)
        request_id = str(uuid.UUID(str(message["requestId"])))
        movie_input = message["movie"]
    except (ValueError, KeyError, TypeError, RecursionError):
        match = _REQUEST_ID.search(body)  # name the request if the message still shows it
        return {"requestId": match.group(1) if match else None, "status": "rejected",
                "error": {"code": "VALIDATION_ERROR", "message": "The queued message could not be read."}}
    try:
        movie = parse_new_movie(json.dumps(movie_input))
    except (ValidationError, PayloadTooLarge) as exc:
        return {"requestId": request_id, "status": "rejected",
                "error": {"code": "VALIDATION_ERROR", "message": exc.message}}

    # If this message was delivered before and its insert committed, the row carries our request id.
    try:
        inserted, found = db.run(lambda cur: movie_writes.insert_movie(cur, movie, request_id))
    except Exception as exc:
        if is_transient(exc):
            raise  # the record fails and SQS delivers it again later
        return {"requestId": request_id, "status": "rejected", "error": {"code": "VALIDATION_ERROR",
                                                                         "message": _reason(exc)}}
    return {"requestId": request_id, "status": "created" if inserted else "duplicate", "movie": found}


def _reason(exc: Exception) -> str:
    """Why the database refused the movie, in words safe for its submitter (no SQL, no values)."""
    from psycopg2 import errorcodes

    code: str | None = getattr(exc, "pgcode", None)
    condition = errorcodes.lookup(code) if code else None
    if condition:
        return f"The database refused this movie ({condition.lower().replace('_', ' ')})."
    return "The movie could not be stored."


def record_outcome(outcome: Outcome) -> bool:
    """Store the outcome once (a redelivered message changes nothing); the table's stream notifies."""
    request_id = outcome.get("requestId")
    if not request_id:
        return False
    return requests_store.complete(request_id, outcome["status"], now(),
                                   movie=outcome.get("movie"), error=outcome.get("error"))


def retry_delay(receive_count: int) -> int:
    """Seconds before a message that failed on its n-th receive is tried again: doubling from the
    first delay up to the cap (deployed 10 s … 300 s over 10 receives: about 25 minutes in all)."""
    first = int(os.environ.get("ADD_RETRY_FIRST_DELAY_SECONDS", "10"))
    cap = int(os.environ.get("ADD_RETRY_MAX_DELAY_SECONDS", "300"))
    delay: int = first * 2 ** min(max(receive_count, 1) - 1, 20)  # typeshed: int ** int is Any (negative powers)
    return max(0, min(cap, delay, 43200))


def fail(body: str, reason: str) -> dict[str, Any]:
    """A message whose retries ran out (from the dead-letter queue)."""
    try:
        request_id = str(uuid.UUID(str(json.loads(body)["requestId"])))
    except (ValueError, KeyError, TypeError):
        return {"status": "failed", "recorded": False}
    error = {"code": "UNAVAILABLE", "message": reason}
    recorded = requests_store.complete(request_id, "failed", now(), error=error)
    return {"status": "failed", "recorded": recorded}
