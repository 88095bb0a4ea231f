import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { AddForm } from "../components/AddForm";
import { StatusList } from "../components/StatusList";
import { AddStore, type RequestStatus, type TrackedRequest } from "../lib/adds";
import { type AddAccepted, ApiError, allGenres, api, type ListAddRequestsResponse, query } from "../lib/api";
import { currentSession, ensureSession } from "../lib/auth";
import { absoluteWsUrl, config } from "../lib/config";
import { type AddStatusMessage, LiveSocket, type SocketState } from "../lib/live";
import { usePageTitle } from "../lib/router";

export { applyStatus } from "../lib/adds";

// How often requests without an outcome are checked with the API (always while the socket is not
// open; otherwise once a request has waited longer than an outcome normally takes to arrive).
export const CHECK_EVERY_MS = 3_000;
const LIVE_GRACE_MS = 4_000;
// A request still "sending" this long (its POST lost, or sent by a tab that went away) is sent again.
const RESEND_AFTER_MS = 15_000;

type Movie = { title: string; genre: string; rating: number | null; year: number };

function age(r: TrackedRequest): number {
  return r.submittedAt ? Date.now() - Date.parse(r.submittedAt) : Infinity;
}

export function AddMovie({ socketFactory }: { socketFactory?: (url: string) => WebSocket }) {
  usePageTitle("Add a movie");
  const [store] = useState(() => new AddStore(() => currentSession(true) !== null));
  const requests = useSyncExternalStore(store.subscribe, store.list);
  const [socket, setSocket] = useState<SocketState>("connecting");
  const [genres, setGenres] = useState<string[]>([]);
  const [genresState, setGenresState] = useState<"loading" | "known" | "unavailable">("loading");
  const busy = useRef(new Set<string>()); // keys being sent or checked by this tab

  useEffect(() => {
    allGenres().then((list) => {
      setGenres(list.map((g) => g.genre));
      setGenresState("known");
    }, () => setGenresState("unavailable"));
  }, []);

  // The server keeps this user's recent requests (B3): adds from other devices, tabs or before a
  // sign-out join the list. A server without the listing leaves the list as this browser has it.
  useEffect(() => {
    api<ListAddRequestsResponse>(`/movies/requests${query({ limit: 20 })}`)
      .then((page) => Array.isArray(page?.requests) && store.fromServer(page.requests), () => undefined);
  }, [store]);

  const apply = useCallback((update: RequestStatus) => store.outcome(update), [store]);

  const check = useCallback(
    (r: TrackedRequest) => {
      if (!r.requestId || busy.current.has(r.key)) return;
      busy.current.add(r.key);
      api<RequestStatus>(`/movies/requests/${r.requestId}`)
        .then(apply, () => undefined)
        .finally(() => busy.current.delete(r.key));
    },
    [apply],
  );

  // The POST, under the request's own Idempotency-Key: sending it again cannot add the movie twice.
  const send = useCallback(
    async (r: TrackedRequest) => {
      busy.current.add(r.key);
      try {
        const movie: Movie = { title: r.title, genre: r.genre ?? "", rating: r.rating ?? null, year: r.year ?? 0 };
        const accepted = await api<AddAccepted>("/movies", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": r.key },
          body: JSON.stringify(movie),
        });
        store.accepted(r.key, accepted.requestId, accepted.status);
      } finally {
        busy.current.delete(r.key);
      }
    },
    [store],
  );

  const resend = useCallback(
    (r: TrackedRequest) => {
      if (busy.current.has(r.key)) return;
      send(r).catch((err) => {
        // Refused for good (not a lost connection or a busy server): say so on the entry.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
          store.forget(r.key);
        }
      });
    },
    [send, store],
  );

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
      onOpen: () => store.list().filter((x) => x.status === "queued").forEach(check),
      socketFactory,
    });
    live.start();
    return () => live.stop();
  }, [apply, check, socketFactory, store]);

  // A reload (or a closed tab) mid-add left requests unsent or unanswered: send them again.
  useEffect(() => {
    store.list().filter((r) => r.status === "sending").forEach(resend);
  }, [store, resend]);

  const pending = requests.some((r) => r.status === "queued" || r.status === "sending");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      for (const r of store.list()) {
        if (r.status === "sending" && age(r) > RESEND_AFTER_MS) resend(r);
        else if (r.status === "queued" && (socket !== "open" || age(r) > LIVE_GRACE_MS)) check(r);
      }
    }, CHECK_EVERY_MS);
    return () => clearInterval(timer);
  }, [pending, socket, store, check, resend]);

  const submit = async (movie: Movie) => {
    const entry: TrackedRequest = {
      key: crypto.randomUUID(),
      title: movie.title,
      genre: movie.genre,
      rating: movie.rating,
      year: movie.year,
      submittedAt: new Date().toISOString(),
      status: "sending",
    };
    store.record(entry);
    try {
      await send(entry);
    } catch (err) {
      // Not accepted: the form keeps the draft and shows why; nothing is left behind in the list.
      store.forget(entry.key);
      throw err;
    }
  };

  return (
    <section aria-labelledby="add-title">
      <h1 id="add-title">Add a movie</h1>
      <div className="two-columns">
        <AddForm onSubmit={submit} genres={genres} genresState={genresState} />
        <StatusList requests={requests} socket={socket} />
      </div>
    </section>
  );
}
