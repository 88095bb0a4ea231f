// Issue 22: a librarian selects rows of Browse or Search and deletes them together: one request per
// movie (each with its current ETag), the outcome of each shown. The API checks the role again.
import { useState } from "react";
import { apiResponse, ApiError, type Movie } from "../lib/api";
import { currentSession } from "../lib/auth";

// The id token's cognito:groups claim (display only: the API decides).
export function isLibrarian(): boolean {
  const token = currentSession(true)?.idToken;
  if (!token) return false;
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    const groups = payload["cognito:groups"];
    return Array.isArray(groups) ? groups.includes("librarians") : String(groups ?? "").split(/[ ,]/).includes("librarians");
  } catch {
    return false;
  }
}

export interface Selection {
  selected: Set<string>;
  toggle: (id: string) => void;
}

export function useSelection(): Selection & { clear: () => void } {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  return {
    selected,
    toggle: (id) => setSelected((now) => {
      const next = new Set(now);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    }),
    clear: () => setSelected(new Set()),
  };
}

type Outcome = { movie: Movie; ok: boolean; text: string };

async function deleteOne(movie: Movie): Promise<Outcome> {
  const path = `/movies/${encodeURIComponent(movie.id)}`;
  try {
    const { headers } = await apiResponse<Movie>(path);
    await apiResponse(path, { method: "DELETE", headers: { "If-Match": headers.get("ETag") ?? "" } });
    return { movie, ok: true, text: "deleted" };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { movie, ok: true, text: "already gone" };
    if (e instanceof ApiError && e.status === 412) return { movie, ok: false, text: "changed meanwhile; not deleted" };
    return { movie, ok: false, text: e instanceof Error ? e.message : String(e) };
  }
}

export function BulkDelete({ movies, selection, onDone }: {
  movies: Movie[];
  selection: Selection & { clear: () => void };
  onDone: (deletedIds: string[]) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const chosen = movies.filter((m) => selection.selected.has(m.id));

  async function run() {
    setBusy(true);
    const results: Outcome[] = [];
    for (const movie of chosen) {
      results.push(await deleteOne(movie));
      setOutcomes([...results]);
    }
    setBusy(false);
    setConfirming(false);
    selection.clear();
    onDone(results.filter((r) => r.ok).map((r) => r.movie.id));
  }

  return (
    <div className="bulk-delete" role="group" aria-label="Delete selected movies">
      {chosen.length > 0 && !confirming && (
        <button type="button" onClick={() => { setOutcomes([]); setConfirming(true); }}>
          Delete {chosen.length} selected
        </button>
      )}
      {confirming && (
        <div role="alertdialog" aria-label="Confirm bulk delete">
          <p>Delete these {chosen.length} movies from the library?</p>
          <ul>{chosen.map((m) => <li key={m.id}>{m.title} ({m.genre}, {m.year ?? "no year"})</li>)}</ul>
          <button type="button" disabled={busy} onClick={() => void run()}>Delete {chosen.length} movies</button>{" "}
          <button type="button" disabled={busy} onClick={() => setConfirming(false)}>Keep them</button>
        </div>
      )}
      {outcomes.length > 0 && (
        <ul role="status" aria-label="Delete outcomes">
          {outcomes.map((o) => <li key={o.movie.id} className={o.ok ? undefined : "error"}>{o.movie.title}: {o.text}</li>)}
        </ul>
      )}
    </div>
  );
}
