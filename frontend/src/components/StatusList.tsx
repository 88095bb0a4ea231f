import type { AddRequest } from "../lib/api";
import type { SocketState } from "../lib/live";
import { Link } from "./Link";

export interface TrackedRequest {
  requestId: string;
  title: string;
  genre?: string;
  year?: number;
  submittedAt?: string;
  status: AddRequest["status"];
  movieId?: string;
  error?: string;
}

const LABEL: Record<TrackedRequest["status"], string> = {
  queued: "Queued…",
  created: "Created",
  duplicate: "Already in the library",
  rejected: "Rejected",
  failed: "Failed",
};

const SOCKET_LABEL: Record<SocketState, string> = {
  connecting: "Connecting to live updates…",
  open: "Live updates on",
  reconnecting: "Reconnecting to live updates…",
  closed: "Live updates off",
};

function when(iso?: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

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
          <li key={r.requestId} data-status={r.status} data-testid="add-request">
            <div>
              <strong>{r.title}</strong>{" "}
              <span className={`badge badge-${r.status}`}>{LABEL[r.status]}</span>
            </div>
            <div className="muted request-meta">
              {[r.genre, r.year, when(r.submittedAt)].filter(Boolean).join(" · ")}
              {r.status === "duplicate" && r.movieId && (
                <>
                  {" · "}
                  <Link href={`/movies/${r.movieId}`}>see the existing movie</Link>
                </>
              )}
              {r.status === "created" && r.movieId && (
                <>
                  {" · "}
                  <Link href={`/movies/${r.movieId}`}>open</Link>
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
