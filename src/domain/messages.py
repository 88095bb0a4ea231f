"""The typed shapes an add (and an ETL run) takes on its way: every hop's JSON as a TypedDict, so
`mypy --strict` checks each producer and consumer against the same definition.

POST /api/movies → NewMovie → QueueMessage (SQS) → Outcome → AddRequest (DynamoDB, its stream image)
→ AddStatusMessage (WebSocket). The ETL task writes EtlProgressMessage / EtlFinishedMessage to its events table.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

RequestStatus = Literal["queued", "created", "duplicate", "rejected", "failed"]
OutcomeStatus = Literal["created", "duplicate", "rejected"]
TERMINAL: tuple[RequestStatus, ...] = ("created", "duplicate", "rejected", "failed")


class NewMovie(TypedDict):
    """A movie the rules accepted, as it will be stored (domain/movie_rules.new_movie)."""

    title: str
    genre: str
    rating: float
    year: int


class ErrorInfo(TypedDict):
    """Why a request did not create a movie: the contract's Error.code and words for its submitter."""

    code: str
    message: str


class QueueMessage(TypedDict):
    """The body of one add-queue message (logic/adds.submit sends it, logic/adds.process reads it)."""

    requestId: str
    owner: str
    movie: NewMovie
    submittedAt: str


class Outcome(TypedDict):
    """What processing one queued add came to; logic/adds.record_outcome stores it on the request."""

    requestId: str | None  # None: the message was unreadable and named no request
    status: OutcomeStatus
    movie: NotRequired[dict[str, Any]]  # the stored movie (the created one, or the one it duplicates)
    error: NotRequired[ErrorInfo]


class AddRequest(TypedDict):
    """One item of the requests table, as get() returns it and as its stream image reads (data/requests_store)."""

    requestId: str
    owner: str
    status: RequestStatus
    input: dict[str, Any]  # the movie as submitted (normalised)
    submittedAt: str
    completedAt: NotRequired[str]
    movie: NotRequired[dict[str, Any]]
    error: NotRequired[ErrorInfo]
    expiresAt: NotRequired[int]


class AddStatusMessage(TypedDict):
    """The WebSocket message telling a user how their add ended (logic/notifications.status_message)."""

    type: Literal["addStatus"]
    requestId: str
    status: RequestStatus
    movie: NotRequired[dict[str, Any]]
    error: NotRequired[ErrorInfo]
    at: str | None


class EtlMessage(TypedDict):
    """An ETL run's etlProgress / etlFinished message, sent to every connected user (etl_task/pipeline.py
    builds it, etl_task/live.py numbers it with seq, logic/etl_live.py fans it out)."""

    type: Literal["etlProgress", "etlFinished"]
    runId: str
    source: str
    mode: str
    phase: str
    counts: dict[str, int]
    filesQueued: int
    filesPerSecond: float
    etaSeconds: float | None
    elapsedSeconds: float
    state: NotRequired[str]  # etlFinished: how the run ended
    seq: NotRequired[int]  # its order within the run (etl_task/live.Throttled)
    libraryChanged: NotRequired[bool]  # etlProgress: rows changed since the run's previous one (live.Throttled)
