// GENERATED from src/api/openapi.json by `make generate` (codegen/typescript.py): do not edit.
// A test fails while this file is stale against the document.
/* eslint-disable */

export const API_VERSION = "1.0.0";

// The add form's rules: MovieInput's constraints per field, as the API and the gateway enforce them.
export const MOVIE_INPUT = {
  title: { minLength: 1, maxLength: 255, pattern: "\\S" },
  genre: { minLength: 1, maxLength: 100, pattern: "\\S" },
  rating: { minimum: 0, maximum: 10, multipleOf: 0.1 },
  year: { minimum: 1900, maximum: 2100 },
} as const;

export const MOVIE_INPUT_REQUIRED = ["title", "genre", "rating", "year"] as const;

// Each operation's query parameters: their rules, enum and default, as the API checks them.
export const QUERY_RULES = {
  searchMovies: {
    title: { minLength: 1, maxLength: 255, pattern: "\\S" },
    sort: { enum: ["relevance", "title", "rating", "year"], default: "relevance" },
    order: { enum: ["asc", "desc"] },
    limit: { minimum: 1, maximum: 100, default: 20 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  filterMovies: {
    genre: { maxItems: 20 },
    minRating: { minimum: 0, maximum: 10 },
    year: { minimum: 1900, maximum: 2100 },
    sort: { enum: ["title", "rating", "year"], default: "rating" },
    order: { enum: ["asc", "desc"] },
    limit: { minimum: 1, maximum: 100, default: 20 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  topRatedMovies: {
    start: { minimum: 0, maximum: 10000, default: 0 },
    limit: { minimum: 1, maximum: 100, default: 10 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  listGenres: {
    limit: { minimum: 1, maximum: 1000, default: 100 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  movieHistory: {
    limit: { minimum: 1, maximum: 100, default: 20 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  listAddRequests: {
    limit: { minimum: 1, maximum: 100, default: 20 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  listEtlRuns: {
    limit: { minimum: 1, maximum: 100, default: 20 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
  getEtlRun: {
    limit: { minimum: 1, maximum: 1000, default: 100 },
    cursor: { minLength: 1, maxLength: 1024, pattern: "^[A-Za-z0-9_-]+={0,2}$" },
  },
} as const;

// The direction of each sort column when no order is given (the order parameter's x-default-order).
export const DEFAULT_ORDER = {"relevance": "desc", "title": "asc", "rating": "desc", "year": "desc"} as const;

// What a form says beside a field, from the field's rules (its length, range and step).
export const HINTS = {
  movieInput: {
    title: "Up to 255 characters",
    genre: "Up to 100 characters",
    rating: "0 to 10, one decimal",
    year: "1900 to 2100",
  },
  searchMovies: {
    title: "Up to 255 characters",
    limit: "1 to 100",
    cursor: "Up to 1024 characters",
  },
  filterMovies: {
    minRating: "0 to 10",
    year: "1900 to 2100",
    limit: "1 to 100",
    cursor: "Up to 1024 characters",
  },
} as const;

// MovieInput's x-forbidden-characters: no stored text may contain these (C0 and C1 controls, invisible
// and bidirectional formatting characters, lone surrogates); the `u` flag makes a surrogate pair one
// character, so only lone halves match.
export const FORBIDDEN_CHARACTERS = new RegExp("[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb\\ud800-\\udfff]", "u");

// The Cognito pool's password policy (the security scheme's x-password-policy), and how a form says it.
export const PASSWORD_POLICY = {"MinimumLength": 8, "RequireLowercase": true, "RequireNumbers": true, "RequireUppercase": true, "RequireSymbols": false} as const;
export const PASSWORD_RULES = "at least 8 characters, with an upper-case letter, a lower-case letter and a number";

export interface Movie {
  id: string;
  title: string;
  genre: string;
  rating: number | null;
  year: number | null;
  created_at: string;
}

export interface GenreCount {
  genre: string;
  count: number;
}

export interface Dashboard {
  totalMovies: number;
  /** Mean of the known ratings, 1 decimal; null for an empty library */
  averageRating: number | null;
  topGenres: GenreCount[];
  moviesByYear: Array<{
    year: number;
    count: number;
  }>;
  /** Every year that has movies, ascending (moviesByYear keeps the seed's 20 latest, descending) */
  yearHistogram: Array<{
    year: number;
    count: number;
  }>;
  /** Movies per whole rating: entry 7 counts 7.0 to 7.9, entry 10 counts 10.0; the last entry (rating null) counts unrated movies. Always 12 entries. */
  ratingHistogram: Array<{
    rating: number | null;
    count: number;
  }>;
  /** Movies with no rating (not counted in averageRating) */
  unratedMovies: number;
  /** The most recently created movie; null for an empty library */
  newest: {
    id: string;
    title: string;
    created_at: string;
  } | null;
}

export interface CursorPage {
  limit: number;
  nextCursor: string | null;
  hasMore: boolean;
}

export interface SearchResult {
  movies: Movie[];
  pagination: CursorPage;
  /** Titles close to the term (pg_trgm similarity, accents and case folded), closest first, when the first page found nothing that contains the term or spells it nearly alike (no result with word similarity 0.8 or more); empty otherwise, and always empty on later pages (with a cursor). */
  didYouMean: string[];
}

export interface FilterResult {
  movies: Movie[];
  totalCount: number;
  filters: {
    genres?: string[];
    minRating?: number;
    year?: number;
  };
  pagination: CursorPage;
}

export interface TopRatedResult {
  movies: Movie[];
  pagination: {
    start: number;
    limit: number;
    total: number;
    hasMore: boolean;
    nextCursor: string | null;
  };
}

export interface ErrorBody {
  error: {
    /** BAD_REQUEST: refused by API Gateway itself for a reason no other code names (see x-gateway-responses) */
    code: "VALIDATION_ERROR" | "BAD_REQUEST" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "PAYLOAD_TOO_LARGE" | "RATE_LIMITED" | "INTERNAL_ERROR" | "UNAVAILABLE" | "CONFLICT" | "PRECONDITION_FAILED" | "PRECONDITION_REQUIRED";
    message: string;
    details?: Array<{
      field: string;
      message: string;
    }>;
    /** 412: the movie as it is now; 409 (reason duplicate): the other movie this one would equal */
    movie?: Movie;
    /** Why a 409 or 403 was answered */
    reason?: "duplicate" | "fromDrive" | "notYours" | "driveNeedsLibrarian";
    source?: MovieSource;
  };
}

export interface MovieInput {
  title: string;
  genre: string;
  rating: number;
  year: number;
}

export interface AddAccepted {
  /** Same as requestId (kept for the seed's clients) */
  id: string;
  requestId: string;
  status: "queued" | "created" | "duplicate" | "rejected" | "failed";
  statusUrl: string;
  message: string;
}

export interface AddRequest {
  requestId: string;
  status: "queued" | "created" | "duplicate" | "rejected" | "failed";
  movie?: Movie;
  input?: Record<string, unknown>;
  error?: {
    code: string;
    message: string;
  };
  submittedAt: string;
  completedAt?: string;
}

/** Sent over the WebSocket to the submitter when a request finishes. Delivered at least once: the same message may arrive more than once (never with a different status); deduplicate by requestId. */
export interface AddStatusMessage {
  type: "addStatus";
  requestId: string;
  status: "created" | "duplicate" | "rejected" | "failed";
  movie?: Movie;
  error?: {
    code: string;
    message: string;
  };
  at: string;
}

export interface EtlCounts {
  filesSeen: number;
  filesDownloaded: number;
  moviesNew: number;
  moviesPresent: number;
  quarantined: number;
  failed: number;
  /** Files loaded before that are no longer in the source (trashed, deleted, moved out, renamed, or access lost) */
  deletedSeen: number;
  /** Movies removed because no file in the source says them any more (and no user added them through the API) */
  removed: number;
  /** Movies removed because their file was edited: the new record loaded in their place */
  replaced: number;
  /** Movies this run would have removed but kept: more than the limit (ETL_MAX_DELETE_SHARE / ETL_MAX_DELETE_ROWS); the run's state is held and its error says why; a run with --allow-deletions applies them */
  held: number;
}

/** One ETL run (a sync of the library from its source). Two shapes by role (the id token's `cognito:groups`): everyone gets the state, counts and a plain `error` message; members of `librarians` also get `details` (the source and the run's recorded error, sanitized). Neither ever carries a traceback. */
export interface EtlRun {
  id: string;
  /** full: every file downloaded; walk: every file listed, new or changed ones downloaded; changes: Drive's changes feed */
  mode: "full" | "walk" | "changes";
  state: "running" | "succeeded" | "failed" | "interrupted" | "held";
  /** starting, checking, reading changes, listing, loading, finished */
  phase: string | null;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  /** What went wrong, in plain words from the run's state and counts (never the recorded exception text); null when nothing did */
  error: string | null;
  counts: EtlCounts;
  details?: EtlRunDetails;
}

/** Librarians only (absent for everyone else): where the run read from and what it recorded. The full text of an error stays in the ETL task's log, under the run id. */
export interface EtlRunDetails {
  /** drive:<folder id> or folder:<path> */
  source: string;
  /** The error the run recorded, sanitized: one line (a traceback's last), control characters removed, at most 300 characters */
  error: string | null;
}

export interface EtlRunFile {
  /** quarantined: not loadable (reason says why; fixed files load on the next run); failed: could not be downloaded (retried next run) */
  outcome: "quarantined" | "failed";
  fileId: string;
  path: string;
  reason: string;
}

/** Sent over the WebSocket to every connected user (the same counts and state for all; `source` only to librarians' sockets) while an ETL run is active, at most every few seconds (ETL_LIVE_SECONDS, default 3). Delivery is at least once; order by seq. */
export interface EtlProgressMessage {
  /** true when the run changed library rows since its previous etlProgress; the notifier then announces libraryChanged (synced) to every connection, so open pages follow a long run */
  libraryChanged?: boolean;
  type: "etlProgress";
  runId: string;
  /** increases within a run; drop older ones */
  seq: number;
  /** Librarians' sockets only: drive:<folder id> or folder:<path>; other sockets get the counts and state without it */
  source?: string;
  mode: "full" | "walk" | "changes";
  phase: string;
  counts: EtlCounts;
  /** files to download found so far */
  filesQueued: number;
  filesPerSecond: number;
  /** null until the listing is done */
  etaSeconds: number | null;
  elapsedSeconds?: number;
}

/** Sent over the WebSocket to every connected user (the same counts and state for all; `source` only to librarians' sockets) when an ETL run ends; GET /api/etl/runs/{id} has the full record. */
export interface EtlFinishedMessage {
  type: "etlFinished";
  runId: string;
  /** increases within a run; drop older ones */
  seq: number;
  /** Librarians' sockets only: drive:<folder id> or folder:<path>; other sockets get the counts and state without it */
  source?: string;
  mode?: "full" | "walk" | "changes";
  phase?: string;
  counts: EtlCounts;
  /** files to download found so far */
  filesQueued?: number;
  filesPerSecond?: number;
  /** null until the listing is done */
  etaSeconds?: number | null;
  elapsedSeconds?: number;
  /** held: the removals it found exceed the limit and wait for a run with --allow-deletions */
  state: "succeeded" | "failed" | "interrupted" | "held";
}

/** Where a movie came from */
export interface MovieSource {
  /** api: added through POST /api/movies; drive: loaded from the Drive folder by the ETL */
  kind: "api" | "drive";
  /** The Drive file's id, when known */
  fileId?: string | null;
  /** The file's path in the Drive folder, when known */
  path?: string | null;
  /** A link to the file in Drive, when its id is known */
  url?: string | null;
}

/** The fields to change; the same rules as MovieInput, and rating null removes the rating */
export interface MovieEdit {
  title?: string;
  genre?: string;
  rating?: number | null;
  year?: number;
}

export interface AuditEntry {
  /** Opaque, increasing */
  id: string;
  action: "edit" | "delete";
  actor: {
    sub: string;
    email?: string | null;
    librarian?: boolean;
  };
  at: string;
  before: Movie;
  /** null for a delete */
  after: (Movie) | (null);
  /** A delete of a Drive movie recorded a suppression of its file version */
  suppressed?: boolean;
}

export interface MovieHistory {
  movieId: string;
  entries: AuditEntry[];
  pagination: CursorPage;
}

export type MovieDetail = (Movie) & ({
  source?: MovieSource;
  /** What the caller may do with this movie (the API checks again on each request) */
  permissions?: {
    edit: boolean;
    delete: boolean;
    history: boolean;
  };
});

/** Sent over the WebSocket to every connected user when the library changed (an add created, an edit, a delete, an ETL run that changed rows); batched, at most about one a second per connection. Pages refresh what they show. */
export interface LibraryChangedMessage {
  type: "libraryChanged";
  changes: Array<{
    /** many: too many changes to list; reload */
    action: "added" | "edited" | "deleted" | "synced" | "many";
    movieId?: string;
    runId?: string;
  }>;
  at: string;
}

export interface SearchMoviesQuery {
  title: string;
  /** The order: relevance (the default; best match first, as the operation's description says; order desc only), or a column; with a column, rows with equal values follow by title, then id, and movies with no rating or no year come last either way. */
  sort?: "relevance" | "title" | "rating" | "year";
  /** asc or desc; when left out, asc for title and desc for rating, year and relevance. Relevance is best match first only: sort=relevance with order=asc is a 400. A cursor continues only the order it was issued for. */
  order?: "asc" | "desc";
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface FilterMoviesQuery {
  genre?: string[];
  minRating?: number;
  year?: number;
  /** The column to order by; rows with equal values follow by title, then id. Movies with no rating or no year come last either way. */
  sort?: "title" | "rating" | "year";
  /** asc or desc; when left out, asc for title and desc for rating, year and relevance. Relevance is best match first only: sort=relevance with order=asc is a 400. A cursor continues only the order it was issued for. */
  order?: "asc" | "desc";
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface TopRatedMoviesQuery {
  /** Position to start at, up to 10,000; deeper pages: follow nextCursor */
  start?: number;
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface ListGenresQuery {
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface ListGenresResponse {
  genres: GenreCount[];
  pagination: CursorPage;
}

export interface MovieHistoryQuery {
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface ListAddRequestsQuery {
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface ListAddRequestsResponse {
  requests: AddRequest[];
  pagination: CursorPage;
}

export interface ListEtlRunsQuery {
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface ListEtlRunsResponse {
  runs: EtlRun[];
  pagination: CursorPage;
}

export interface GetEtlRunQuery {
  limit?: number;
  /** Opaque; the nextCursor of the previous page */
  cursor?: string;
}

export interface GetEtlRunResponse {
  run: EtlRun;
  /** Librarians only */
  files?: EtlRunFile[];
  pagination?: CursorPage;
}
