// "Your adds": the person's recent add requests, kept in localStorage so they survive reloads and
// are shared by every tab (each write merges into what is stored; other tabs hear of it through the
// `storage` event). A request is written down with its Idempotency-Key *before* its POST, so a
// reload mid-add can send it again under the same key. Outcomes that arrive before the request is
// known (the socket can beat the POST's 202) are kept and applied when it appears.
import type { AddRequest } from "./api";

export const REQUESTS = "mle.add-requests";
const KEEP = 50;

export type AddStatus = "sending" | AddRequest["status"];

export interface TrackedRequest {
  key: string; // the Idempotency-Key; identifies the entry before the server has named it
  requestId?: string;
  title: string;
  genre?: string;
  rating?: number | null;
  year?: number;
  submittedAt?: string;
  status: AddStatus;
  movieId?: string;
  error?: string;
}

// What a poll (AddRequest) and a live message (AddStatusMessage) both say about a request.
export type RequestStatus = Pick<AddRequest, "requestId" | "status" | "movie" | "error">;

function parse(raw: string | null): TrackedRequest[] {
  try {
    const list = JSON.parse(raw ?? "[]");
    if (!Array.isArray(list)) return [];
    // Entries stored before keys existed are named by their request id.
    return list
      .filter((r) => r && typeof r.title === "string" && (r.key || r.requestId))
      .map((r) => ({ ...r, key: r.key ?? r.requestId }))
      .slice(0, KEEP);
  } catch {
    return [];
  }
}

// One outcome per request: messages can repeat (at-least-once delivery), and the first outcome wins.
export function applyStatus(list: TrackedRequest[], update: RequestStatus): TrackedRequest[] {
  return list.map((r) =>
    r.requestId === update.requestId && (r.status === "queued" || r.status === "sending") && update.status !== "queued"
      ? { ...r, status: update.status, movieId: update.movie?.id, error: update.error?.message }
      : r,
  );
}

const RANK: Record<AddStatus, number> = { sending: 0, queued: 1, created: 2, duplicate: 2, rejected: 2, failed: 2 };

// Two views of the same list (this tab's and another's): one entry per key, the most advanced state wins.
export function merge(mine: TrackedRequest[], theirs: TrackedRequest[]): TrackedRequest[] {
  const byKey = new Map<string, TrackedRequest>();
  for (const r of [...theirs, ...mine]) {
    const known = byKey.get(r.key);
    if (!known || RANK[r.status] > RANK[known.status] || (RANK[r.status] === RANK[known.status] && !known.requestId)) {
      byKey.set(r.key, { ...known, ...r });
    }
  }
  return [...byKey.values()]
    .sort((a, b) => (b.submittedAt ?? "").localeCompare(a.submittedAt ?? ""))
    .slice(0, KEEP);
}

type Listener = () => void;

export class AddStore {
  private snapshot: TrackedRequest[];
  private raw: string | null;
  private readonly listeners = new Set<Listener>();
  // Outcomes whose request this tab does not know yet, by request id (bounded).
  private readonly early = new Map<string, RequestStatus>();

  // canStore: whether a write may reach localStorage now. After sign-out has cleared it, a late answer
  // (the requests list, a status check, a socket message) must not write the history back.
  constructor(private readonly canStore: () => boolean = () => true) {
    this.raw = localStorage.getItem(REQUESTS);
    this.snapshot = parse(this.raw);
  }

  list = (): TrackedRequest[] => this.snapshot;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    const onStorage = (event: StorageEvent) => {
      if (event.key === REQUESTS || event.key === null) this.reload();
    };
    window.addEventListener("storage", onStorage);
    return () => {
      this.listeners.delete(listener);
      window.removeEventListener("storage", onStorage);
    };
  };

  private reload(): void {
    const raw = localStorage.getItem(REQUESTS);
    if (raw === this.raw) return;
    this.raw = raw;
    this.snapshot = this.withEarly(parse(raw));
    this.listeners.forEach((l) => l());
  }

  private withEarly(list: TrackedRequest[]): TrackedRequest[] {
    let next = list;
    for (const r of list) {
      const outcome = r.requestId ? this.early.get(r.requestId) : undefined;
      if (outcome) next = applyStatus(next, outcome);
    }
    return next;
  }

  // Read what is stored (another tab may have written), change it, write it back.
  private update(change: (list: TrackedRequest[]) => TrackedRequest[]): void {
    if (!this.canStore()) return; // signed out: nothing more is written, nothing shown changes
    const stored = parse(localStorage.getItem(REQUESTS));
    const next = this.withEarly(change(merge(this.snapshot, stored)));
    this.snapshot = next;
    this.raw = JSON.stringify(next);
    try {
      localStorage.setItem(REQUESTS, this.raw);
    } catch {
      // storage full or refused: the list still lives in this tab
    }
    this.listeners.forEach((l) => l());
  }

  // Before the POST: the request as it will be sent, under its key.
  record(entry: TrackedRequest): void {
    this.update((list) => [entry, ...list.filter((r) => r.key !== entry.key)]);
  }

  // The POST answered: the request now has the server's id (and any outcome that beat the answer).
  // The server's list may already have named it (a reload mid-add, the POST sent again under its key):
  // that copy goes, its state kept if further along.
  accepted(key: string, requestId: string, status: AddRequest["status"]): void {
    this.update((list) => {
      const copy = list.find((r) => r.requestId === requestId && r.key !== key);
      return list
        .filter((r) => r !== copy)
        .map((r) => {
          if (r.key !== key) return r;
          const best = [r, ...(copy ? [copy] : [])].reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
          const state = RANK[best.status] > RANK[status]
            ? { status: best.status, movieId: best.movieId, error: best.error }
            : { status };
          return { ...r, requestId, ...state };
        });
    });
  }

  forget(key: string): void {
    this.update((list) => list.filter((r) => r.key !== key));
  }

  // The server's list of this user's recent requests (GET /movies/requests): adds made on another
  // device or before sign-out join the list; ones this tab knows take any further state the server has.
  fromServer(requests: AddRequest[]): void {
    this.update((list) => {
      let next = list;
      for (const request of requests) {
        if (next.some((r) => r.requestId === request.requestId)) {
          next = applyStatus(next, request);
          continue;
        }
        const input = request.input ?? {};
        next = [...next, {
          key: request.requestId,
          requestId: request.requestId,
          title: typeof input.title === "string" ? input.title : (request.movie?.title ?? ""),
          genre: typeof input.genre === "string" ? input.genre : request.movie?.genre,
          rating: typeof input.rating === "number" ? input.rating : null,
          year: typeof input.year === "number" ? input.year : undefined,
          submittedAt: request.submittedAt,
          status: request.status,
          movieId: request.movie?.id,
          error: request.error?.message,
        }];
      }
      return next.sort((a, b) => (b.submittedAt ?? "").localeCompare(a.submittedAt ?? "")).slice(0, KEEP);
    });
  }

  outcome(update: RequestStatus): void {
    if (update.status === "queued") return;
    if (!this.snapshot.some((r) => r.requestId === update.requestId)) {
      this.early.set(update.requestId, update);
      if (this.early.size > KEEP) this.early.delete(this.early.keys().next().value as string);
      return;
    }
    this.update((list) => applyStatus(list, update));
  }
}
