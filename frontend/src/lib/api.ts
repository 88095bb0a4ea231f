// The REST API client: bearer token, the API's own error messages, one refresh on 401.
import { currentSession, refresh, signOut } from "./auth";
import { config } from "./config";

export interface Movie {
  id: string;
  title: string;
  genre: string;
  rating: number | null;
  year: number | null;
  created_at: string;
}

export interface ErrorDetail {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: ErrorDetail[] = [],
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

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await send(path, init, currentSession(true)?.idToken);
    if (response.status === 401) {
      const renewed = await refresh();
      if (renewed) response = await send(path, init, renewed.idToken);
    }
  } catch {
    throw new ApiError("Cannot reach the server. Check your connection and try again.", 0, "NETWORK");
  }
  if (response.status === 401) {
    signOut();
    window.dispatchEvent(new Event(SESSION_EXPIRED));
    throw new ApiError("Your session has expired. Please sign in again.", 401, "UNAUTHORIZED");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error ?? {};
    throw new ApiError(
      error.message ?? `The server answered ${response.status}.`,
      response.status,
      error.code ?? "ERROR",
      error.details ?? [],
    );
  }
  return body as T;
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
