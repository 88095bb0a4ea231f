// The REST API client: a token renewed before it expires, the API's own error messages, one
// refresh-and-retry on 401.
import { dropSession, ensureSession, refresh } from "./auth";
import { config } from "./config";
import type { ErrorBody, GenreCount, ListGenresResponse } from "./generated/schema";

// The API's types, generated from src/api/openapi.json (`make generate`); pages import them from here.
export type {
  AddAccepted,
  AddRequest,
  AddStatusMessage,
  CursorPage,
  Dashboard,
  ErrorBody,
  EtlCounts,
  EtlFinishedMessage,
  EtlProgressMessage,
  EtlRun,
  EtlRunFile,
  FilterResult,
  GenreCount,
  GetEtlRunResponse,
  ListEtlRunsResponse,
  ListAddRequestsResponse,
  ListGenresResponse,
  AuditEntry,
  Movie,
  MovieDetail as MovieWithPermissions,
  MovieHistory,
  MovieInput,
  MovieSource,
  SearchResult,
  TopRatedResult,
} from "./generated/schema";

export type ErrorDetail = NonNullable<ErrorBody["error"]["details"]>[number];

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: ErrorDetail[] = [],
    readonly error: Partial<ErrorBody["error"]> = {}, // the whole error object (409/412 carry a movie or source)
    readonly etag: string | null = null,
  ) {
    super(message);
  }
}

export const SESSION_EXPIRED = "mle:session-expired";

async function send(path: string, init: RequestInit, token: string | undefined): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return fetch(`${config().apiUrl}${path}`, { ...init, headers });
}

function expired(): ApiError {
  dropSession();
  window.dispatchEvent(new Event(SESSION_EXPIRED));
  return new ApiError("Your session has expired. Please sign in again.", 401, "UNAUTHORIZED");
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await apiResponse<T>(path, init)).body;
}

// api() with the response's headers (a movie's ETag, for If-Match).
export async function apiResponse<T>(path: string, init: RequestInit = {}): Promise<{ body: T; headers: Headers }> {
  let response: Response;
  const session = await ensureSession();
  if (!session) throw expired();
  try {
    response = await send(path, init, session.idToken);
    if (response.status === 401) {
      const renewed = await refresh();
      if (renewed) response = await send(path, init, renewed.idToken);
    }
  } catch {
    throw new ApiError("Cannot reach the server. Check your connection and try again.", 0, "NETWORK");
  }
  if (response.status === 401) throw expired();
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error ?? {};
    throw new ApiError(
      error.message ?? `The server answered ${response.status}.`,
      response.status,
      error.code ?? "ERROR",
      error.details ?? [],
      error,
      response.headers.get("ETag"),
    );
  }
  return { body: body as T, headers: response.headers };
}

export function query(params: Record<string, string | number | string[] | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// /api/genres is being cursor-paged ({genres, pagination:{nextCursor,hasMore}}); older servers send
// every genre at once. Either way the caller gets the whole list (bounded to 10 pages).
export async function allGenres(): Promise<GenreCount[]> {
  const genres: GenreCount[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page += 1) {
    // Partial pagination: an older server sends none.
    const body: Omit<ListGenresResponse, "pagination"> & Partial<Pick<ListGenresResponse, "pagination">> =
      await api(`/genres${query({ limit: 100, cursor })}`);
    genres.push(...body.genres);
    if (!body.pagination?.hasMore || !body.pagination.nextCursor) break;
    cursor = body.pagination.nextCursor;
  }
  return genres;
}

// Ratings read the same everywhere: one decimal ("8.0", not "8").
export function formatRating(rating: number | null | undefined): string | null {
  return rating === null || rating === undefined ? null : rating.toFixed(1);
}
