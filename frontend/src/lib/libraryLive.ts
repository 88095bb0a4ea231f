// libraryChanged (issue 22): the server announces every change to the library over the WebSocket
// (batched, about one a second at most). A page calls useLibraryChanges to refresh what it shows,
// debounced so a burst of changes is one reload.
import { useEffect, useRef } from "react";
import { ensureSession } from "./auth";
import { absoluteWsUrl, config } from "./config";
import type { LibraryChangedMessage } from "./generated/schema";
import { LiveSocket } from "./live";

export type LibraryChange = LibraryChangedMessage["changes"][number];

export function useLibraryChanges(onChanges: (changes: LibraryChange[]) => void, debounceMs = 250): void {
  const latest = useRef(onChanges);
  latest.current = onChanges;
  useEffect(() => {
    let pending: LibraryChange[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const socket = new LiveSocket({
      target: async () => {
        const session = await ensureSession(120_000);
        return session
          ? { url: `${absoluteWsUrl(config().wsUrl)}?token=${encodeURIComponent(session.idToken)}`, expiresAt: session.expiresAt }
          : null;
      },
      onMessage: () => undefined,
      onOther: (message) => {
        if (message.type !== "libraryChanged") return;
        pending = pending.concat((message as unknown as LibraryChangedMessage).changes);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const changes = pending;
          pending = [];
          latest.current(changes);
        }, debounceMs);
      },
      onState: () => undefined,
    });
    socket.start();
    return () => {
      clearTimeout(timer);
      socket.stop();
    };
  }, [debounceMs]);
}

// Whether a batch of changes concerns one movie (or may: a sync or "many").
export function touches(changes: LibraryChange[], movieId: string): LibraryChange["action"] | null {
  const mine = changes.filter((c) => c.movieId === movieId);
  if (mine.some((c) => c.action === "deleted")) return "deleted";
  if (mine.length) return mine[mine.length - 1].action;
  return changes.some((c) => c.action === "synced" || c.action === "many") ? "synced" : null;
}

export interface Rows<M> {
  movies: M[];
  nextCursor: string | null;
  hasMore: boolean;
}

// A list page's refresh after libraryChanged: the same number of rows the user has loaded ("Load
// more" pages included), read again from the first page, so the list keeps its length, order and the
// user's place in it. Pages of at most `maxLimit` (the API's limit).
export async function reloadRows<M>(count: number, page: (cursor: string | null, limit: number) => Promise<Rows<M>>,
  maxLimit = 100): Promise<Rows<M>> {
  let movies: M[] = [];
  let cursor: string | null = null;
  for (;;) {
    const next: Rows<M> = await page(cursor, Math.min(maxLimit, count - movies.length));
    movies = movies.concat(next.movies);
    cursor = next.nextCursor;
    if (!next.hasMore || movies.length >= count) return { movies, nextCursor: cursor, hasMore: next.hasMore };
  }
}
