"""Models of the Movie Library API, GENERATED from src/api/openapi.json: do not edit.

Regenerate with: make client-models  (python clients/python/scripts/generate_models.py)
"""
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

API_VERSION = '1.0.0'

# operationId → (HTTP method, path): every operation the client must offer a method for.
OPERATIONS: dict[str, tuple[str, str]] = {
    'getDashboard': ('GET', '/api/dashboard'),
    'searchMovies': ('GET', '/api/movies/search'),
    'filterMovies': ('GET', '/api/movies/filter'),
    'topRatedMovies': ('GET', '/api/movies/top-rated'),
    'listGenres': ('GET', '/api/genres'),
    'getMovie': ('GET', '/api/movies/{id}'),
    'editMovie': ('PATCH', '/api/movies/{id}'),
    'deleteMovie': ('DELETE', '/api/movies/{id}'),
    'movieHistory': ('GET', '/api/movies/{id}/history'),
    'addMovie': ('POST', '/api/movies'),
    'listAddRequests': ('GET', '/api/movies/requests'),
    'getAddRequest': ('GET', '/api/movies/requests/{requestId}'),
    'getOpenApi': ('GET', '/api/openapi.json'),
    'listEtlRuns': ('GET', '/api/etl/runs'),
    'getEtlRun': ('GET', '/api/etl/runs/{id}'),
}


@dataclass(frozen=True)
class Movie:
    id: str
    title: str
    genre: str
    rating: float | None
    year: int | None
    created_at: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Movie:
        return cls(
            id=data['id'],
            title=data['title'],
            genre=data['genre'],
            rating=None if data.get('rating') is None else float(data['rating']),
            year=data.get('year'),
            created_at=data['created_at'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['id'] = self.id
        out['title'] = self.title
        out['genre'] = self.genre
        out['rating'] = self.rating
        out['year'] = self.year
        out['created_at'] = self.created_at
        return out


@dataclass(frozen=True)
class GenreCount:
    genre: str
    count: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenreCount:
        return cls(
            genre=data['genre'],
            count=data['count'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['genre'] = self.genre
        out['count'] = self.count
        return out


@dataclass(frozen=True)
class Dashboard:
    total_movies: int
    average_rating: float | None
    top_genres: list[GenreCount]
    movies_by_year: list[DashboardMoviesByYear]
    year_histogram: list[DashboardYearHistogram]
    rating_histogram: list[DashboardRatingHistogram]
    unrated_movies: int
    newest: DashboardNewest | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dashboard:
        return cls(
            total_movies=data['totalMovies'],
            average_rating=None if data.get('averageRating') is None else float(data['averageRating']),
            top_genres=[GenreCount.from_dict(x) for x in data['topGenres']],
            movies_by_year=[DashboardMoviesByYear.from_dict(x) for x in data['moviesByYear']],
            year_histogram=[DashboardYearHistogram.from_dict(x) for x in data['yearHistogram']],
            rating_histogram=[DashboardRatingHistogram.from_dict(x) for x in data['ratingHistogram']],
            unrated_movies=data['unratedMovies'],
            newest=None if data.get('newest') is None else DashboardNewest.from_dict(data['newest']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['totalMovies'] = self.total_movies
        out['averageRating'] = self.average_rating
        out['topGenres'] = [x.to_dict() for x in self.top_genres]
        out['moviesByYear'] = [x.to_dict() for x in self.movies_by_year]
        out['yearHistogram'] = [x.to_dict() for x in self.year_histogram]
        out['ratingHistogram'] = [x.to_dict() for x in self.rating_histogram]
        out['unratedMovies'] = self.unrated_movies
        out['newest'] = None if self.newest is None else self.newest.to_dict()
        return out


@dataclass(frozen=True)
class DashboardMoviesByYear:
    year: int
    count: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DashboardMoviesByYear:
        return cls(
            year=data['year'],
            count=data['count'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['year'] = self.year
        out['count'] = self.count
        return out


@dataclass(frozen=True)
class DashboardYearHistogram:
    year: int
    count: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DashboardYearHistogram:
        return cls(
            year=data['year'],
            count=data['count'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['year'] = self.year
        out['count'] = self.count
        return out


@dataclass(frozen=True)
class DashboardRatingHistogram:
    rating: int | None
    count: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DashboardRatingHistogram:
        return cls(
            rating=data.get('rating'),
            count=data['count'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['rating'] = self.rating
        out['count'] = self.count
        return out


@dataclass(frozen=True)
class DashboardNewest:
    """The most recently created movie; null for an empty library"""

    id: str
    title: str
    created_at: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DashboardNewest:
        return cls(
            id=data['id'],
            title=data['title'],
            created_at=data['created_at'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['id'] = self.id
        out['title'] = self.title
        out['created_at'] = self.created_at
        return out


@dataclass(frozen=True)
class CursorPage:
    limit: int
    next_cursor: str | None
    has_more: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CursorPage:
        return cls(
            limit=data['limit'],
            next_cursor=data.get('nextCursor'),
            has_more=data['hasMore'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['limit'] = self.limit
        out['nextCursor'] = self.next_cursor
        out['hasMore'] = self.has_more
        return out


@dataclass(frozen=True)
class SearchResult:
    movies: list[Movie]
    pagination: CursorPage
    did_you_mean: list[str]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchResult:
        return cls(
            movies=[Movie.from_dict(x) for x in data['movies']],
            pagination=CursorPage.from_dict(data['pagination']),
            did_you_mean=list(data['didYouMean']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['movies'] = [x.to_dict() for x in self.movies]
        out['pagination'] = self.pagination.to_dict()
        out['didYouMean'] = list(self.did_you_mean)
        return out


@dataclass(frozen=True)
class FilterResult:
    movies: list[Movie]
    total_count: int
    filters: FilterResultFilters
    pagination: CursorPage

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FilterResult:
        return cls(
            movies=[Movie.from_dict(x) for x in data['movies']],
            total_count=data['totalCount'],
            filters=FilterResultFilters.from_dict(data['filters']),
            pagination=CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['movies'] = [x.to_dict() for x in self.movies]
        out['totalCount'] = self.total_count
        out['filters'] = self.filters.to_dict()
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class FilterResultFilters:
    genres: list[str] | None = None
    min_rating: float | None = None
    year: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FilterResultFilters:
        return cls(
            genres=None if data.get('genres') is None else list(data['genres']),
            min_rating=None if data.get('minRating') is None else float(data['minRating']),
            year=data.get('year'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.genres is not None:
            out['genres'] = list(self.genres)
        if self.min_rating is not None:
            out['minRating'] = self.min_rating
        if self.year is not None:
            out['year'] = self.year
        return out


@dataclass(frozen=True)
class TopRatedResult:
    movies: list[Movie]
    pagination: TopRatedResultPagination

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopRatedResult:
        return cls(
            movies=[Movie.from_dict(x) for x in data['movies']],
            pagination=TopRatedResultPagination.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['movies'] = [x.to_dict() for x in self.movies]
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class TopRatedResultPagination:
    start: int
    limit: int
    total: int
    has_more: bool
    next_cursor: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopRatedResultPagination:
        return cls(
            start=data['start'],
            limit=data['limit'],
            total=data['total'],
            has_more=data['hasMore'],
            next_cursor=data.get('nextCursor'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['start'] = self.start
        out['limit'] = self.limit
        out['total'] = self.total
        out['hasMore'] = self.has_more
        out['nextCursor'] = self.next_cursor
        return out


@dataclass(frozen=True)
class Error:
    error: ErrorError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Error:
        return cls(
            error=ErrorError.from_dict(data['error']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['error'] = self.error.to_dict()
        return out


@dataclass(frozen=True)
class ErrorError:
    code: Literal['VALIDATION_ERROR', 'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'INTERNAL_ERROR', 'UNAVAILABLE', 'CONFLICT', 'PRECONDITION_FAILED', 'PRECONDITION_REQUIRED']
    message: str
    details: list[ErrorErrorDetails] | None = None
    movie: Movie | None = None
    reason: Literal['duplicate', 'fromDrive', 'notYours', 'driveNeedsLibrarian'] | None = None
    source: MovieSource | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorError:
        return cls(
            code=data['code'],
            message=data['message'],
            details=None if data.get('details') is None else [ErrorErrorDetails.from_dict(x) for x in data['details']],
            movie=None if data.get('movie') is None else Movie.from_dict(data['movie']),
            reason=data.get('reason'),
            source=None if data.get('source') is None else MovieSource.from_dict(data['source']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['code'] = self.code
        out['message'] = self.message
        if self.details is not None:
            out['details'] = [x.to_dict() for x in self.details]
        if self.movie is not None:
            out['movie'] = self.movie.to_dict()
        if self.reason is not None:
            out['reason'] = self.reason
        if self.source is not None:
            out['source'] = self.source.to_dict()
        return out


@dataclass(frozen=True)
class ErrorErrorDetails:
    field: str
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorErrorDetails:
        return cls(
            field=data['field'],
            message=data['message'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['field'] = self.field
        out['message'] = self.message
        return out


@dataclass(frozen=True)
class MovieInput:
    title: str
    genre: str
    rating: float
    year: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MovieInput:
        return cls(
            title=data['title'],
            genre=data['genre'],
            rating=float(data['rating']),
            year=data['year'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['title'] = self.title
        out['genre'] = self.genre
        out['rating'] = self.rating
        out['year'] = self.year
        return out


@dataclass(frozen=True)
class AddAccepted:
    id: str
    request_id: str
    status: Literal['queued', 'created', 'duplicate', 'rejected', 'failed']
    status_url: str
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddAccepted:
        return cls(
            id=data['id'],
            request_id=data['requestId'],
            status=data['status'],
            status_url=data['statusUrl'],
            message=data['message'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['id'] = self.id
        out['requestId'] = self.request_id
        out['status'] = self.status
        out['statusUrl'] = self.status_url
        out['message'] = self.message
        return out


@dataclass(frozen=True)
class AddRequest:
    request_id: str
    status: Literal['queued', 'created', 'duplicate', 'rejected', 'failed']
    submitted_at: str
    movie: Movie | None = None
    input: dict[str, Any] | None = None
    error: AddRequestError | None = None
    completed_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddRequest:
        return cls(
            request_id=data['requestId'],
            status=data['status'],
            submitted_at=data['submittedAt'],
            movie=None if data.get('movie') is None else Movie.from_dict(data['movie']),
            input=None if data.get('input') is None else dict(data['input']),
            error=None if data.get('error') is None else AddRequestError.from_dict(data['error']),
            completed_at=data.get('completedAt'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['requestId'] = self.request_id
        out['status'] = self.status
        if self.movie is not None:
            out['movie'] = self.movie.to_dict()
        if self.input is not None:
            out['input'] = dict(self.input)
        if self.error is not None:
            out['error'] = self.error.to_dict()
        out['submittedAt'] = self.submitted_at
        if self.completed_at is not None:
            out['completedAt'] = self.completed_at
        return out


@dataclass(frozen=True)
class AddRequestError:
    code: str
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddRequestError:
        return cls(
            code=data['code'],
            message=data['message'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['code'] = self.code
        out['message'] = self.message
        return out


@dataclass(frozen=True)
class AddStatusMessage:
    """Sent over the WebSocket to the submitter when a request finishes. Delivered at least once: the same message may arrive more than once (never with a different status); deduplicate by requestId."""

    type: Literal['addStatus']
    request_id: str
    status: Literal['created', 'duplicate', 'rejected', 'failed']
    at: str
    movie: Movie | None = None
    error: AddStatusMessageError | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddStatusMessage:
        return cls(
            type=data['type'],
            request_id=data['requestId'],
            status=data['status'],
            at=data['at'],
            movie=None if data.get('movie') is None else Movie.from_dict(data['movie']),
            error=None if data.get('error') is None else AddStatusMessageError.from_dict(data['error']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['type'] = self.type
        out['requestId'] = self.request_id
        out['status'] = self.status
        if self.movie is not None:
            out['movie'] = self.movie.to_dict()
        if self.error is not None:
            out['error'] = self.error.to_dict()
        out['at'] = self.at
        return out


@dataclass(frozen=True)
class AddStatusMessageError:
    code: str
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddStatusMessageError:
        return cls(
            code=data['code'],
            message=data['message'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['code'] = self.code
        out['message'] = self.message
        return out


@dataclass(frozen=True)
class EtlCounts:
    files_seen: int
    files_downloaded: int
    movies_new: int
    movies_present: int
    quarantined: int
    failed: int
    deleted_seen: int
    removed: int
    replaced: int
    held: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlCounts:
        return cls(
            files_seen=data['filesSeen'],
            files_downloaded=data['filesDownloaded'],
            movies_new=data['moviesNew'],
            movies_present=data['moviesPresent'],
            quarantined=data['quarantined'],
            failed=data['failed'],
            deleted_seen=data['deletedSeen'],
            removed=data['removed'],
            replaced=data['replaced'],
            held=data['held'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['filesSeen'] = self.files_seen
        out['filesDownloaded'] = self.files_downloaded
        out['moviesNew'] = self.movies_new
        out['moviesPresent'] = self.movies_present
        out['quarantined'] = self.quarantined
        out['failed'] = self.failed
        out['deletedSeen'] = self.deleted_seen
        out['removed'] = self.removed
        out['replaced'] = self.replaced
        out['held'] = self.held
        return out


@dataclass(frozen=True)
class EtlRun:
    """One ETL run (a sync of the library from its source). Two shapes by role (the id token's `cognito:groups`): everyone gets the state, counts and a plain `error` message; members of `librarians` also get `details` (the source and the run's recorded error, sanitized). Neither ever carries a traceback."""

    id: str
    mode: Literal['full', 'walk', 'changes']
    state: Literal['running', 'succeeded', 'failed', 'interrupted', 'held']
    phase: str | None
    started_at: str
    finished_at: str | None
    seconds: float | None
    error: str | None
    counts: EtlCounts
    details: EtlRunDetails | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlRun:
        return cls(
            id=data['id'],
            mode=data['mode'],
            state=data['state'],
            phase=data.get('phase'),
            started_at=data['startedAt'],
            finished_at=data.get('finishedAt'),
            seconds=None if data.get('seconds') is None else float(data['seconds']),
            error=data.get('error'),
            counts=EtlCounts.from_dict(data['counts']),
            details=None if data.get('details') is None else EtlRunDetails.from_dict(data['details']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['id'] = self.id
        out['mode'] = self.mode
        out['state'] = self.state
        out['phase'] = self.phase
        out['startedAt'] = self.started_at
        out['finishedAt'] = self.finished_at
        out['seconds'] = self.seconds
        out['error'] = self.error
        out['counts'] = self.counts.to_dict()
        if self.details is not None:
            out['details'] = self.details.to_dict()
        return out


@dataclass(frozen=True)
class EtlRunDetails:
    """Librarians only (absent for everyone else): where the run read from and what it recorded. The full text of an error stays in the ETL task's log, under the run id."""

    source: str
    error: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlRunDetails:
        return cls(
            source=data['source'],
            error=data.get('error'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['source'] = self.source
        out['error'] = self.error
        return out


@dataclass(frozen=True)
class EtlRunFile:
    outcome: Literal['quarantined', 'failed']
    file_id: str
    path: str
    reason: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlRunFile:
        return cls(
            outcome=data['outcome'],
            file_id=data['fileId'],
            path=data['path'],
            reason=data['reason'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['outcome'] = self.outcome
        out['fileId'] = self.file_id
        out['path'] = self.path
        out['reason'] = self.reason
        return out


@dataclass(frozen=True)
class EtlProgressMessage:
    """Sent over the WebSocket to every connected user (the same counts and state for all; `source` only to librarians' sockets) while an ETL run is active, at most every few seconds (ETL_LIVE_SECONDS, default 3). Delivery is at least once; order by seq."""

    type: Literal['etlProgress']
    run_id: str
    seq: int
    mode: Literal['full', 'walk', 'changes']
    phase: str
    counts: EtlCounts
    files_queued: int
    files_per_second: float
    eta_seconds: float | None
    library_changed: bool | None = None
    source: str | None = None
    elapsed_seconds: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlProgressMessage:
        return cls(
            type=data['type'],
            run_id=data['runId'],
            seq=data['seq'],
            mode=data['mode'],
            phase=data['phase'],
            counts=EtlCounts.from_dict(data['counts']),
            files_queued=data['filesQueued'],
            files_per_second=float(data['filesPerSecond']),
            eta_seconds=None if data.get('etaSeconds') is None else float(data['etaSeconds']),
            library_changed=data.get('libraryChanged'),
            source=data.get('source'),
            elapsed_seconds=None if data.get('elapsedSeconds') is None else float(data['elapsedSeconds']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.library_changed is not None:
            out['libraryChanged'] = self.library_changed
        out['type'] = self.type
        out['runId'] = self.run_id
        out['seq'] = self.seq
        if self.source is not None:
            out['source'] = self.source
        out['mode'] = self.mode
        out['phase'] = self.phase
        out['counts'] = self.counts.to_dict()
        out['filesQueued'] = self.files_queued
        out['filesPerSecond'] = self.files_per_second
        out['etaSeconds'] = self.eta_seconds
        if self.elapsed_seconds is not None:
            out['elapsedSeconds'] = self.elapsed_seconds
        return out


@dataclass(frozen=True)
class EtlFinishedMessage:
    """Sent over the WebSocket to every connected user (the same counts and state for all; `source` only to librarians' sockets) when an ETL run ends; GET /api/etl/runs/{id} has the full record."""

    type: Literal['etlFinished']
    run_id: str
    seq: int
    counts: EtlCounts
    state: Literal['succeeded', 'failed', 'interrupted', 'held']
    source: str | None = None
    mode: Literal['full', 'walk', 'changes'] | None = None
    phase: str | None = None
    files_queued: int | None = None
    files_per_second: float | None = None
    eta_seconds: float | None = None
    elapsed_seconds: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtlFinishedMessage:
        return cls(
            type=data['type'],
            run_id=data['runId'],
            seq=data['seq'],
            counts=EtlCounts.from_dict(data['counts']),
            state=data['state'],
            source=data.get('source'),
            mode=data.get('mode'),
            phase=data.get('phase'),
            files_queued=data.get('filesQueued'),
            files_per_second=None if data.get('filesPerSecond') is None else float(data['filesPerSecond']),
            eta_seconds=None if data.get('etaSeconds') is None else float(data['etaSeconds']),
            elapsed_seconds=None if data.get('elapsedSeconds') is None else float(data['elapsedSeconds']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['type'] = self.type
        out['runId'] = self.run_id
        out['seq'] = self.seq
        if self.source is not None:
            out['source'] = self.source
        if self.mode is not None:
            out['mode'] = self.mode
        if self.phase is not None:
            out['phase'] = self.phase
        out['counts'] = self.counts.to_dict()
        if self.files_queued is not None:
            out['filesQueued'] = self.files_queued
        if self.files_per_second is not None:
            out['filesPerSecond'] = self.files_per_second
        if self.eta_seconds is not None:
            out['etaSeconds'] = self.eta_seconds
        if self.elapsed_seconds is not None:
            out['elapsedSeconds'] = self.elapsed_seconds
        out['state'] = self.state
        return out


@dataclass(frozen=True)
class MovieSource:
    """Where a movie came from"""

    kind: Literal['api', 'drive']
    file_id: str | None = None
    path: str | None = None
    url: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MovieSource:
        return cls(
            kind=data['kind'],
            file_id=data.get('fileId'),
            path=data.get('path'),
            url=data.get('url'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['kind'] = self.kind
        if self.file_id is not None:
            out['fileId'] = self.file_id
        if self.path is not None:
            out['path'] = self.path
        if self.url is not None:
            out['url'] = self.url
        return out


@dataclass(frozen=True)
class MovieEdit:
    """The fields to change; the same rules as MovieInput, and rating null removes the rating"""

    title: str | None = None
    genre: str | None = None
    rating: float | None = None
    year: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MovieEdit:
        return cls(
            title=data.get('title'),
            genre=data.get('genre'),
            rating=None if data.get('rating') is None else float(data['rating']),
            year=data.get('year'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.title is not None:
            out['title'] = self.title
        if self.genre is not None:
            out['genre'] = self.genre
        if self.rating is not None:
            out['rating'] = self.rating
        if self.year is not None:
            out['year'] = self.year
        return out


@dataclass(frozen=True)
class AuditEntry:
    id: str
    action: Literal['edit', 'delete']
    actor: AuditEntryActor
    at: str
    before: Movie
    after: Any
    suppressed: bool | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEntry:
        return cls(
            id=data['id'],
            action=data['action'],
            actor=AuditEntryActor.from_dict(data['actor']),
            at=data['at'],
            before=Movie.from_dict(data['before']),
            after=data['after'],
            suppressed=data.get('suppressed'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['id'] = self.id
        out['action'] = self.action
        out['actor'] = self.actor.to_dict()
        out['at'] = self.at
        out['before'] = self.before.to_dict()
        out['after'] = self.after
        if self.suppressed is not None:
            out['suppressed'] = self.suppressed
        return out


@dataclass(frozen=True)
class AuditEntryActor:
    sub: str
    email: str | None = None
    librarian: bool | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEntryActor:
        return cls(
            sub=data['sub'],
            email=data.get('email'),
            librarian=data.get('librarian'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['sub'] = self.sub
        if self.email is not None:
            out['email'] = self.email
        if self.librarian is not None:
            out['librarian'] = self.librarian
        return out


@dataclass(frozen=True)
class MovieHistory:
    movie_id: str
    entries: list[AuditEntry]
    pagination: CursorPage

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MovieHistory:
        return cls(
            movie_id=data['movieId'],
            entries=[AuditEntry.from_dict(x) for x in data['entries']],
            pagination=CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['movieId'] = self.movie_id
        out['entries'] = [x.to_dict() for x in self.entries]
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class LibraryChangedMessage:
    """Sent over the WebSocket to every connected user when the library changed (an add created, an edit, a delete, an ETL run that changed rows); batched, at most about one a second per connection. Pages refresh what they show."""

    type: Literal['libraryChanged']
    changes: list[LibraryChangedMessageChanges]
    at: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LibraryChangedMessage:
        return cls(
            type=data['type'],
            changes=[LibraryChangedMessageChanges.from_dict(x) for x in data['changes']],
            at=data['at'],
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['type'] = self.type
        out['changes'] = [x.to_dict() for x in self.changes]
        out['at'] = self.at
        return out


@dataclass(frozen=True)
class LibraryChangedMessageChanges:
    action: Literal['added', 'edited', 'deleted', 'synced', 'many']
    movie_id: str | None = None
    run_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LibraryChangedMessageChanges:
        return cls(
            action=data['action'],
            movie_id=data.get('movieId'),
            run_id=data.get('runId'),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['action'] = self.action
        if self.movie_id is not None:
            out['movieId'] = self.movie_id
        if self.run_id is not None:
            out['runId'] = self.run_id
        return out


@dataclass(frozen=True)
class ListGenresResponse:
    genres: list[GenreCount]
    pagination: CursorPage

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListGenresResponse:
        return cls(
            genres=[GenreCount.from_dict(x) for x in data['genres']],
            pagination=CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['genres'] = [x.to_dict() for x in self.genres]
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class ListAddRequestsResponse:
    requests: list[AddRequest]
    pagination: CursorPage

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListAddRequestsResponse:
        return cls(
            requests=[AddRequest.from_dict(x) for x in data['requests']],
            pagination=CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['requests'] = [x.to_dict() for x in self.requests]
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class ListEtlRunsResponse:
    runs: list[EtlRun]
    pagination: CursorPage

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListEtlRunsResponse:
        return cls(
            runs=[EtlRun.from_dict(x) for x in data['runs']],
            pagination=CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['runs'] = [x.to_dict() for x in self.runs]
        out['pagination'] = self.pagination.to_dict()
        return out


@dataclass(frozen=True)
class GetEtlRunResponse:
    run: EtlRun
    files: list[EtlRunFile] | None = None
    pagination: CursorPage | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GetEtlRunResponse:
        return cls(
            run=EtlRun.from_dict(data['run']),
            files=None if data.get('files') is None else [EtlRunFile.from_dict(x) for x in data['files']],
            pagination=None if data.get('pagination') is None else CursorPage.from_dict(data['pagination']),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out['run'] = self.run.to_dict()
        if self.files is not None:
            out['files'] = [x.to_dict() for x in self.files]
        if self.pagination is not None:
            out['pagination'] = self.pagination.to_dict()
        return out
