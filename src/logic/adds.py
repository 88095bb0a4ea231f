"""Adding a movie: accept and queue (API side), then insert and record the outcome (queue side)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from data import add_limits, add_queue, db, movie_writes, requests_store
from data.faults import is_transient, refusal_reason
from domain import contract, cursors, movie_rules
from domain.errors import NotFound, RateLimited, ValidationError
from domain.messages import AddRequest, ErrorInfo, NewMovie, Outcome, QueueMessage
from settings import current

_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0c6f5e-8d7e-4a43-9c1f-2f6b8d1e7a10")
_REQUEST_ID = re.compile(r'"requestId"\s*:\s*"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def request_id_for(owner: str, idempotency_key: str | None) -> str:
    """A retried POST with the same Idempotency-Key maps to the same request."""
    if idempotency_key:
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{owner}\n{idempotency_key}"))
    return str(uuid.uuid4())


def _check_key(idempotency_key: str | None) -> None:
    shortest, longest = contract.IDEMPOTENCY_KEY_LENGTH
    if idempotency_key is not None and not shortest <= len(idempotency_key) <= longest:
        raise ValidationError(
            f"The Idempotency-Key header must be {shortest} to {longest} characters.",
            [{"field": "Idempotency-Key", "message": f"{shortest} to {longest} characters"}],
        )


def submit(owner: str, movie: NewMovie, idempotency_key: str | None = None) -> tuple[AddRequest, bool]:
    """Record the request (queued) and send it to the FIFO queue. Returns (request, newly queued)."""
    _check_key(idempotency_key)
    request_id = request_id_for(owner, idempotency_key)
    record: AddRequest = {"requestId": request_id, "owner": owner, "status": "queued", "input": dict(movie), "submittedAt": now()}
    stored, created = requests_store.create(record)
    if not created:
        if stored["owner"] != owner or stored.get("input") != movie:
            raise ValidationError(
                "This Idempotency-Key was already used for a different movie.",
                [{"field": "Idempotency-Key", "message": "already used for another request"}],
            )
        return stored, False
    message: QueueMessage = {"requestId": request_id, "owner": owner, "movie": movie, "submittedAt": record["submittedAt"]}
    add_queue.send(message, group=owner, dedup_id=request_id)
    return stored, True


def limit_key(owner: str, email: str | None) -> str:
    """Whose add limit an add counts against: the mailbox, not the account, since accounts are free and
    one mailbox can register case variants and plus-addresses of itself (a+x@D and A@d count as a@d)."""
    if not email or "@" not in email:
        return owner
    local, _, domain = email.strip().rpartition("@")
    return f"mailbox:{local.split('+', 1)[0].lower()}@{domain.lower()}"


def accept(owner: str, movie: NewMovie, idempotency_key: str | None = None, email: str | None = None) -> tuple[AddRequest, bool]:
    """The API's add: the per-user limit (per mailbox, see limit_key) is checked (and counted) before anything
    is recorded or queued. A retry with an Idempotency-Key already recorded is answered without counting."""
    _check_key(idempotency_key)  # a refused header costs no quota either
    if idempotency_key is not None and requests_store.get(request_id_for(owner, idempotency_key)) is not None:
        return submit(owner, movie, idempotency_key)  # the replay (or a key reused for another movie: 400)
    refusal = add_limits.consume(limit_key(owner, email))
    if refusal is not None:
        raise RateLimited(
            f"Too many adds: at most {refusal.limit} per {refusal.window}. Try again in {refusal.retry_after} s.",
            refusal.retry_after,
            [{"field": "body", "message": f"at most {refusal.limit} adds per {refusal.window}"}],
        )
    return submit(owner, movie, idempotency_key)


def status(owner: str, request_id: str) -> dict[str, Any]:
    record = requests_store.get(request_id)
    if record is None or record.get("owner") != owner:  # someone else's request does not exist for you
        raise NotFound(f"No add request {request_id}.")
    return _public(record)


def _public(record: AddRequest) -> dict[str, Any]:
    """A request as its owner reads it (no owner id, no expiry)."""
    return {k: record[k] for k in ("requestId", "status", "movie", "input", "error", "submittedAt", "completedAt") if k in record}


def recent(owner: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
    """The caller's own add requests, newest first, a page at a time (the cursor names no owner: the
    caller's identity decides whose requests are read)."""
    after = None
    if cursor:
        payload = cursors.decode(cursor, "requests")
        after = (payload["t"], str(payload["id"]))
    # One more than asked says whether there is a next page without a second query.
    items, _ = requests_store.by_owner(owner, limit + 1, after)
    page = items[:limit]
    more = len(items) > limit
    last = page[-1] if more and page else None
    return {
        "requests": [_public(r) for r in page],
        "pagination": {
            "limit": limit,
            "nextCursor": cursors.encode({"k": "requests", "t": last["submittedAt"], "id": last["requestId"]}) if last else None,
            "hasMore": more,
        },
    }


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
        return {
            "requestId": match.group(1) if match else None,
            "status": "rejected",
            "error": {"code": "VALIDATION_ERROR", "message": "The queued message could not be read."},
        }
    try:
        movie = movie_rules.queued_movie(movie_input)
    except ValidationError as exc:
        return {"requestId": request_id, "status": "rejected", "error": {"code": "VALIDATION_ERROR", "message": exc.message}}

    # If this message was delivered before and its insert committed, the row carries our request id.
    try:
        owner = message.get("owner") if isinstance(message.get("owner"), str) else None
        inserted, found = db.run(lambda cur: movie_writes.insert_movie(cur, movie, request_id, owner))
    except Exception as exc:
        if is_transient(exc):
            raise  # the record fails and SQS delivers it again later
        return {
            "requestId": request_id,
            "status": "rejected",
            "error": {"code": "VALIDATION_ERROR", "message": refusal_reason(exc)},
        }
    return {"requestId": request_id, "status": "created" if inserted else "duplicate", "movie": found}


def record_outcome(outcome: Outcome) -> bool:
    """Store the outcome once (a redelivered message changes nothing); the table's stream notifies."""
    request_id = outcome.get("requestId")
    if not request_id:
        return False
    return requests_store.complete(request_id, outcome["status"], now(), movie=outcome.get("movie"), error=outcome.get("error"))


def retry_delay(receive_count: int) -> int:
    """Seconds before a message that failed on its n-th receive is tried again: doubling from the
    first delay up to the cap (deployed 10 s … 300 s over 10 receives: about 25 minutes in all)."""
    first, cap = current().add_retry_first_delay_seconds, current().add_retry_max_delay_seconds
    delay: int = first * 2 ** min(max(receive_count, 1) - 1, 20)  # typeshed: int ** int is Any (negative powers)
    return max(0, min(cap, delay, 43200))


def delay_failed(retries: list[tuple[str, int]]) -> None:
    """Send failed messages, as (receipt handle, receive count), back to the queue after retry_delay()."""
    if retries:
        add_queue.delay_retries([(handle, retry_delay(count)) for handle, count in retries])


GAVE_UP_REASON = "The movie could not be saved after several attempts; please try again later."


def fail(body: str, reason: str = GAVE_UP_REASON) -> dict[str, Any]:
    """A message whose retries ran out (from the dead-letter queue)."""
    try:
        request_id = str(uuid.UUID(str(json.loads(body)["requestId"])))
    except (ValueError, KeyError, TypeError):
        return {"status": "failed", "recorded": False}
    error: ErrorInfo = {"code": "UNAVAILABLE", "message": reason}
    recorded = requests_store.complete(request_id, "failed", now(), error=error)
    return {"status": "failed", "recorded": recorded}
