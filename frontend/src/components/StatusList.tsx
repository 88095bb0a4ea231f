import type { TrackedRequest } from "../lib/adds";
import type { SocketState } from "../lib/live";
import { Link } from "./Link";
import { When } from "./When";

export type { TrackedRequest };

const LABEL: Record<TrackedRequest["status"], string> = {
  sending: "Sending…",
  queued: "Queued…",
  created: "Created",
  duplicate: "Already in the library",
  rejected: "Rejected",
  failed: "Failed",
};

const SOCKET_LABEL: Record<SocketState, string> = {
  connecting: "Connecting to live updates…",
  open: "Live updates on",
  // Adds are then checked with the API every few seconds (pages/AddMovie.tsx).
  reconnecting: "Live updates unavailable: your adds are checked every few seconds. Reconnecting…",
  closed: "Live updates off",
};


export function StatusList({ requests, socket }: { requests: TrackedRequest[]; socket: SocketState }) {
  return (
    <section aria-labelledby="status-title" className="card">
      <h2 id="status-title">Your adds</h2>
      <p className={`socket socket-${socket}`} data-testid="socket-state">
        {SOCKET_LABEL[socket]}
      </p>
      {requests.length === 0 && <p className="muted">Movies you add appear here with their outcome.</p>}
      <ul className="requests" aria-live="polite">
        {requests.map((r) => (
          <li key={r.key} data-status={r.status} data-testid="add-request">
            <div>
              <strong>{r.title}</strong>{" "}
              <span className={`badge badge-${r.status}`}>{LABEL[r.status]}</span>
            </div>
            <div className="muted request-meta">
              {[r.genre, r.year].filter(Boolean).join(" · ")}
              {r.submittedAt && <>{" · "}<When iso={r.submittedAt} /></>}
              {r.status === "duplicate" && r.movieId && (
                <>
                  {" · "}
                  <Link href={`/movies/${r.movieId}?from=%2Fadd`}>View existing</Link>
                </>
              )}
              {r.status === "created" && r.movieId && (
                <>
                  {" · "}
                  <Link href={`/movies/${r.movieId}?from=%2Fadd`}>View movie</Link>
                </>
              )}
            </div>
            {r.error && <div className="muted">{r.error}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}
