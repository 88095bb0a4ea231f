// Issue 22: correct a movie from its page. Edit (inline, the add form's rules) and Delete (a confirm that
// names the movie) show only when the API says the signed-in user may; a History section for those who may
// read it. 409 and 412 are explained in words; a 412 offers to reapply the change to the movie as it is now.
import { type FormEvent, useEffect, useState } from "react";
import { api, apiResponse, ApiError, type AuditEntry, formatRating, type Movie, type MovieHistory,
  type MovieWithPermissions } from "../lib/api";
import { type FieldErrors, type MovieDraft, validateMovie } from "../lib/validation";
import { Link } from "./Link";

export interface Versioned {
  movie: MovieWithPermissions;
  etag: string;
}

export async function loadVersioned(id: string): Promise<Versioned> {
  const { body, headers } = await apiResponse<MovieWithPermissions>(`/movies/${encodeURIComponent(id)}`);
  return { movie: body, etag: headers.get("ETag") ?? "" };
}

function draftOf(movie: Movie): MovieDraft {
  return { title: movie.title, genre: movie.genre, rating: movie.rating === null ? "" : String(movie.rating),
    year: movie.year === null ? "" : String(movie.year) };
}

// The add form's rules, except that an empty rating removes it.
function problems(draft: MovieDraft): FieldErrors {
  const found = validateMovie({ ...draft, rating: draft.rating.trim() === "" ? "5" : draft.rating });
  return found;
}

function changesOf(movie: Movie, draft: MovieDraft): Record<string, unknown> {
  const wanted: Record<string, unknown> = {
    title: draft.title.trim(), genre: draft.genre.trim(),
    rating: draft.rating.trim() === "" ? null : Number(draft.rating), year: Number(draft.year),
  };
  return Object.fromEntries(Object.entries(wanted).filter(([k, v]) => (movie as unknown as Record<string, unknown>)[k] !== v));
}

function conflictWords(e: ApiError): { text: string; other?: Movie } {
  const reason = (e.error as { reason?: string }).reason;
  const other = (e.error as { movie?: Movie }).movie;
  if (e.status === 409 && reason === "duplicate" && other) {
    return { text: "The library already has a movie with these details:", other };
  }
  if (e.status === 409 && reason === "fromDrive") return { text: e.message };  // names the file (its path) when known
  if (e.status === 403) return { text: e.message };
  return { text: e.message };
}

export function MovieCorrections({ versioned, onChanged }: { versioned: Versioned; onChanged: (v: Versioned | null) => void }) {
  const { movie, etag } = versioned;
  const allowed = movie.permissions ?? { edit: false, delete: false, history: false };
  const fromDrive = movie.source?.kind === "drive";
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<MovieDraft>(draftOf(movie));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<{ text: string; other?: Movie } | null>(null);
  const [stale, setStale] = useState<{ now: Movie; etag: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  // The version an edit started from: a live refresh while editing must not let the edit overwrite
  // someone else's change unseen (it gets the 412 and its explanation instead).
  const [base, setBase] = useState<Versioned | null>(null);

  useEffect(() => { if (!editing) setDraft(draftOf(movie)); }, [movie, editing]);

  async function save(against: string, base: Movie) {
    const found = problems(draft);
    setErrors(found);
    if (Object.keys(found).length) return;
    const changes = changesOf(base, draft);
    if (!Object.keys(changes).length) { setEditing(false); return; }
    setBusy(true);
    setProblem(null);
    try {
      const { body, headers } = await apiResponse<Movie>(`/movies/${encodeURIComponent(movie.id)}`, {
        method: "PATCH", headers: { "Content-Type": "application/json", "If-Match": against }, body: JSON.stringify(changes),
      });
      setEditing(false);
      setBase(null);
      setStale(null);
      onChanged({ movie: { ...movie, ...body }, etag: headers.get("ETag") ?? "" });
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setStale({ now: (e.error as { movie: Movie }).movie, etag: e.etag ?? "" });
      } else if (e instanceof ApiError && e.status === 400) {
        setErrors(Object.fromEntries(e.details.map((d) => [d.field, d.message])) as FieldErrors);
        setProblem({ text: e.message });
      } else if (e instanceof ApiError) {
        setProblem(conflictWords(e));
      } else {
        setProblem({ text: String(e) });
      }
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setProblem(null);
    try {
      await apiResponse(`/movies/${encodeURIComponent(movie.id)}`, { method: "DELETE", headers: { "If-Match": etag } });
      onChanged(null);
    } catch (e) {
      setConfirming(false);
      if (e instanceof ApiError && e.status === 412) {
        setProblem({ text: "Someone changed this movie since you opened it; look at it again before deleting." });
        const now = (e.error as { movie?: Movie }).movie;
        if (now) onChanged({ movie: { ...movie, ...now }, etag: e.etag ?? "" });
      } else if (e instanceof ApiError) {
        setProblem(conflictWords(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: keyof MovieDraft, label: string, hint: string) => (
    <p>
      <label htmlFor={`edit-${name}`}>{label}</label>
      <input id={`edit-${name}`} value={draft[name]} aria-invalid={Boolean(errors[name])}
        aria-describedby={`edit-${name}-hint`} inputMode={name === "rating" || name === "year" ? "decimal" : undefined}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
      <small id={`edit-${name}-hint`} className={errors[name] ? "field-error" : "muted"}>{errors[name] ?? hint}</small>
    </p>
  );

  return (
    <section className="card corrections" aria-label="Correct this movie">
      {fromDrive && (
        <p className="muted">
          From the library&apos;s Drive folder
          {movie.source?.path ? <>, file <code>{movie.source.path}</code></> : null}
          {movie.source?.url ? <> (<a href={movie.source.url} rel="noreferrer" target="_blank">open it in Drive</a>)</> : null}
          : corrections are made in the file.{allowed.delete ? " As a librarian you can remove it here; the next sync will not bring it back." : ""}
        </p>
      )}
      {problem && (
        <p role="alert" className="error">
          {problem.text}{" "}
          {problem.other && <Link href={`/movies/${problem.other.id}`}>{problem.other.title} ({problem.other.genre}, {problem.other.year ?? "no year"})</Link>}
        </p>
      )}
      {stale && (
        <div role="alert" className="error">
          <p>Someone changed this movie while you were editing it. Now it is:
            {" "}<strong>{stale.now.title}</strong>, {stale.now.genre}, {formatRating(stale.now.rating) ?? "not rated"}, {stale.now.year ?? "no year"}.</p>
          <button type="button" disabled={busy} onClick={() => save(stale.etag, stale.now)}>Apply my changes to it</button>{" "}
          <button type="button" onClick={() => { onChanged({ movie: { ...movie, ...stale.now }, etag: stale.etag }); setStale(null); setEditing(false); setBase(null); }}>Discard my changes</button>
        </div>
      )}
      {editing ? (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); void save(base?.etag ?? etag, base?.movie ?? movie); }} aria-label="Edit movie" noValidate>
          {field("title", "Title", "As it should read")}
          {field("genre", "Genre", "For example Drama")}
          {field("rating", "Rating", "0 to 10, one decimal; empty removes the rating")}
          {field("year", "Year", "Four digits")}
          <button type="submit" disabled={busy}>Save changes</button>{" "}
          <button type="button" onClick={() => { setEditing(false); setErrors({}); setProblem(null); }}>Cancel</button>
        </form>
      ) : (
        <p className="actions">
          {allowed.edit && <button type="button" onClick={() => { setBase(versioned); setDraft(draftOf(movie)); setEditing(true); }}>Edit</button>}{" "}
          {allowed.delete && !confirming && <button type="button" className="danger" onClick={() => setConfirming(true)}>Delete</button>}
        </p>
      )}
      {confirming && (
        <div role="alertdialog" aria-label="Confirm delete">
          <p>Delete “{movie.title}” ({movie.genre}, {movie.year ?? "no year"}) from the library? This cannot be undone here.</p>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>Delete “{movie.title}”</button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>Keep it</button>
        </div>
      )}
      {allowed.history && <History id={movie.id} version={etag} />}
    </section>
  );
}

function describe(entry: AuditEntry): string {
  if (!entry.after) return `deleted “${entry.before.title}”`;
  const after = entry.after as Movie;
  const parts = (["title", "genre", "rating", "year"] as const)
    .filter((k) => entry.before[k] !== after[k])
    .map((k) => `${k}: ${entry.before[k] ?? "none"} → ${after[k] ?? "none"}`);
  return parts.join(", ") || "no change";
}

function History({ id, version }: { id: string; version: string }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  useEffect(() => {
    api<MovieHistory>(`/movies/${encodeURIComponent(id)}/history?limit=20`).then((h) => setEntries(h.entries), () => setEntries([]));
  }, [id, version]);
  return (
    <section aria-label="History">
      <h2>History</h2>
      {entries === null ? <p className="muted">Loading…</p> : entries.length === 0 ? <p className="muted">Not corrected since it was added.</p> : (
        <ol className="history">
          {entries.map((e) => (
            <li key={e.id}>
              <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> {e.actor.email ?? "a user"}: {describe(e)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function goneNotice(title: string, bySomeoneElse = false) {
  return (
    <section aria-labelledby="movie-title">
      <h1 id="movie-title">Deleted</h1>
      <p role="status">“{title}” was deleted from the library{bySomeoneElse ? " while you were looking at it" : ""}.</p>
      <p><Link href="/browse">Browse all movies</Link></p>
    </section>
  );
}
