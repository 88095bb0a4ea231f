import { useCallback, useEffect, useRef, useState } from "react";
import { AddForm } from "../components/AddForm";
import { StatusList, type TrackedRequest } from "../components/StatusList";
import { type AddAccepted, type AddRequest, allGenres, api, type MovieInput } from "../lib/api";
import { ensureSession } from "../lib/auth";
import { absoluteWsUrl, config } from "../lib/config";
import { type AddStatusMessage, LiveSocket, type SocketState } from "../lib/live";
import { usePageTitle } from "../lib/router";

// The last adds survive reloads and new tabs; sign-out clears them (lib/auth.ts signOut).
const REQUESTS = "mle.add-requests";
const KEEP = 50;

// What a poll (AddRequest) and a live message (AddStatusMessage) both say about a request.
type RequestStatus = Pick<AddRequest, "requestId" | "status" | "movie" | "error">;

function saved(): TrackedRequest[] {
  try {
    const list = JSON.parse(localStorage.getItem(REQUESTS) ?? "[]");
    return Array.isArray(list) ? list.slice(0, KEEP) : [];
  } catch {
    return [];
  }
}

// One outcome per request: messages can repeat (at-least-once delivery), and the first outcome wins.
export function applyStatus(list: TrackedRequest[], update: RequestStatus): TrackedRequest[] {
  return list.map((r) =>
    r.requestId === update.requestId && r.status === "queued" && update.status !== "queued"
      ? { ...r, status: update.status, movieId: update.movie?.id, error: update.error?.message }
      : r,
  );
}

export function AddMovie({ socketFactory }: { socketFactory?: (url: string) => WebSocket }) {
  usePageTitle("Add a movie");
  const [requests, setRequests] = useState<TrackedRequest[]>(saved);
  const [socket, setSocket] = useState<SocketState>("connecting");
  const [genres, setGenres] = useState<string[]>([]);
  const latest = useRef(requests);
  latest.current = requests;

  useEffect(() => localStorage.setItem(REQUESTS, JSON.stringify(requests.slice(0, KEEP))), [requests]);

  useEffect(() => {
    allGenres().then((list) => setGenres(list.map((g) => g.genre)), () => undefined);
  }, []);

  const apply = useCallback((update: RequestStatus) => setRequests((list) => applyStatus(list, update)), []);

  useEffect(() => {
    const live = new LiveSocket({
      target: async () => {
        const session = await ensureSession(120_000);
        return session
          ? { url: `${absoluteWsUrl(config().wsUrl)}?token=${encodeURIComponent(session.idToken)}`, expiresAt: session.expiresAt }
          : null;
      },
      onMessage: (message: AddStatusMessage) => apply(message),
      onState: setSocket,
      // Outcomes that arrived while the socket was down are read back from the API.
      onOpen: () => {
        for (const r of latest.current.filter((x) => x.status === "queued")) {
          api<RequestStatus>(`/movies/requests/${r.requestId}`).then(apply, () => undefined);
        }
      },
      socketFactory,
    });
    live.start();
    return () => live.stop();
  }, [apply, socketFactory]);

  const submit = async (movie: MovieInput) => {
    const accepted = await api<AddAccepted>("/movies", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify(movie),
    });
    setRequests((list) => {
      if (list.some((r) => r.requestId === accepted.requestId)) return list;
      const entry: TrackedRequest = {
        requestId: accepted.requestId,
        title: movie.title,
        genre: movie.genre,
        year: movie.year,
        submittedAt: new Date().toISOString(),
        status: accepted.status,
      };
      return [entry, ...list].slice(0, KEEP);
    });
  };

  return (
    <section aria-labelledby="add-title">
      <h1 id="add-title">Add a movie</h1>
      <div className="two-columns">
        <AddForm onSubmit={submit} genres={genres} />
        <StatusList requests={requests} socket={socket} />
      </div>
    </section>
  );
}
