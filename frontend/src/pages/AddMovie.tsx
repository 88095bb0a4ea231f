import { useCallback, useEffect, useRef, useState } from "react";
import { AddForm } from "../components/AddForm";
import { StatusList, type TrackedRequest } from "../components/StatusList";
import { api } from "../lib/api";
import { currentSession } from "../lib/auth";
import { absoluteWsUrl, config } from "../lib/config";
import { type AddStatusMessage, LiveSocket, type SocketState } from "../lib/live";

const REQUESTS = "mle.add-requests";

interface RequestStatus {
  requestId: string;
  status: TrackedRequest["status"];
  movie?: { id: string };
  error?: { message: string };
}

function saved(): TrackedRequest[] {
  try {
    return JSON.parse(sessionStorage.getItem(REQUESTS) ?? "[]");
  } catch {
    return [];
  }
}

export function AddMovie({ socketFactory }: { socketFactory?: (url: string) => WebSocket }) {
  const [requests, setRequests] = useState<TrackedRequest[]>(saved);
  const [socket, setSocket] = useState<SocketState>("connecting");
  const latest = useRef(requests);
  latest.current = requests;

  useEffect(() => sessionStorage.setItem(REQUESTS, JSON.stringify(requests)), [requests]);

  const apply = useCallback((update: RequestStatus) => {
    setRequests((list) =>
      list.map((r) =>
        r.requestId === update.requestId && r.status === "queued"
          ? { ...r, status: update.status, movieId: update.movie?.id, error: update.error?.message }
          : r,
      ),
    );
  }, []);

  useEffect(() => {
    const live = new LiveSocket({
      url: () => {
        const session = currentSession();
        return session ? `${absoluteWsUrl(config().wsUrl)}?token=${encodeURIComponent(session.idToken)}` : null;
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

  const submit = async (movie: { title: string; genre: string; rating: number; year: number }) => {
    const accepted = await api<{ requestId: string; status: TrackedRequest["status"] }>("/movies", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify(movie),
    });
    setRequests((list) => [{ requestId: accepted.requestId, title: movie.title, status: accepted.status }, ...list]);
  };

  return (
    <section aria-labelledby="add-title">
      <h1 id="add-title">Add a movie</h1>
      <div className="two-columns">
        <AddForm onSubmit={submit} />
        <StatusList requests={requests} socket={socket} />
      </div>
    </section>
  );
}
