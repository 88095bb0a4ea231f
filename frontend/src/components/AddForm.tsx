import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "../lib/api";
import { HINTS } from "../lib/generated/schema";
import {
  didYouMean, type FieldErrors, genreKey, isKnownGenre, type MovieDraft, similarGenre, toPayload, validateMovie,
} from "../lib/validation";
import { GenreCombobox } from "./GenreCombobox";
import { ErrorMessage } from "./Status";

const DRAFT = "mle.add-draft";
const EMPTY: MovieDraft = { title: "", genre: "", rating: "", year: "" };
const FIELDS: { name: keyof MovieDraft; label: string; hint: string; inputMode?: "decimal" | "numeric" }[] = [
  { name: "title", label: "Title", hint: HINTS.movieInput.title },
  { name: "genre", label: "Genre", hint: "Pick an existing genre or type a new one" },
  { name: "rating", label: "Rating", hint: HINTS.movieInput.rating, inputMode: "decimal" },
  { name: "year", label: "Year", hint: HINTS.movieInput.year, inputMode: "numeric" },
];

function savedDraft(): MovieDraft {
  try {
    return { ...EMPTY, ...JSON.parse(sessionStorage.getItem(DRAFT) ?? "{}") };
  } catch {
    return EMPTY;
  }
}

// What is typed survives an expired session: the draft is kept until the add succeeds.
// genresKnown: the library's genre list has loaded, so a genre not in it is new and must be created
// on purpose (a half-typed "Thr" would otherwise become a permanent genre).
export function AddForm({ onSubmit, genres = [], genresState = "unavailable" }: {
  onSubmit: (movie: ReturnType<typeof toPayload>) => Promise<void>;
  genres?: string[];
  genresState?: "loading" | "known" | "unavailable";
}) {
  const [draft, setDraft] = useState<MovieDraft>(savedDraft);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null); // the new genre the person chose to create
  const titleInput = useRef<HTMLInputElement>(null);

  useEffect(() => sessionStorage.setItem(DRAFT, JSON.stringify(draft)), [draft]);

  const change = (name: keyof MovieDraft, value: string) => {
    const next = { ...draft, [name]: value };
    setDraft(next);
    // A field shown as wrong is re-checked as it is fixed, so the message goes as soon as it is right.
    if (errors[name]) setErrors({ ...errors, [name]: validateMovie(next)[name] });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const found = validateMovie(draft);
    if (!found.genre && newGenre && created !== genreKey(draft.genre)) {
      found.genre = `“${draft.genre.trim()}” is not a genre yet. Pick one from the list, or tick the box to create it.`;
    }
    setErrors(found);
    if (Object.keys(found).length) {
      document.getElementById(`movie-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    // Once sent, the add lives in "Your adds" (a reload mid-add sends it again from there), so the
    // draft is dropped now and put back only if the add is refused.
    sessionStorage.removeItem(DRAFT);
    try {
      await onSubmit(toPayload(draft));
      setDraft(EMPTY);
      // Ready for the next movie; the outcome is announced by the "Your adds" list.
      window.requestAnimationFrame(() => titleInput.current?.focus());
    } catch (err) {
      sessionStorage.setItem(DRAFT, JSON.stringify(draft));
      if (err instanceof ApiError && err.details.length) {
        const fromApi: FieldErrors = {};
        for (const d of err.details) {
          if (d.field in EMPTY) fromApi[d.field as keyof MovieDraft] = `${d.field[0].toUpperCase()}${d.field.slice(1)} ${d.message}.`;
        }
        setErrors(fromApi);
        if (!Object.keys(fromApi).length) setFormError(err.message);
      } else {
        setFormError((err as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  const similar = similarGenre(draft.genre, genres);
  const newGenre = genresState === "known" && draft.genre.trim() !== "" && !isKnownGenre(draft.genre, genres);
  const suggestion = newGenre ? didYouMean(draft.genre, genres) : null;
  return (
    <form onSubmit={submit} noValidate aria-labelledby="add-form-title" className="card" data-genres={genresState}
      data-genre={draft.genre} data-genre-new={newGenre}>
      <h2 id="add-form-title">New movie</h2>
      {FIELDS.map((field) => {
        const describedBy = [`movie-${field.name}-hint`];
        if (errors[field.name]) describedBy.push(`movie-${field.name}-error`);
        if (field.name === "genre" && similar) describedBy.push("movie-genre-similar");
        if (field.name === "genre" && newGenre) describedBy.push("movie-genre-new");
        return (
          <div key={field.name} className="field">
            <label htmlFor={`movie-${field.name}`}>{field.label}</label>
            {field.name === "genre" ? (
              <GenreCombobox value={draft.genre} genres={genres} onChange={(v) => change("genre", v)}
                invalid={Boolean(errors.genre)} describedBy={describedBy.join(" ")} />
            ) : (
              <input id={`movie-${field.name}`} name={field.name} value={draft[field.name]} inputMode={field.inputMode}
                ref={field.name === "title" ? titleInput : undefined} autoComplete="off"
                aria-invalid={Boolean(errors[field.name])} aria-describedby={describedBy.join(" ")}
                onChange={(e) => change(field.name, e.target.value)} />
            )}
            <small id={`movie-${field.name}-hint`} className="muted">{field.hint}</small>
            {field.name === "genre" && similar && (
              <small id="movie-genre-similar" className="warning" data-testid="genre-similar">
                The library already has “{similar}”. Use it, unless this really is a different genre.{" "}
                <button type="button" className="link" onClick={() => change("genre", similar)}>Use “{similar}”</button>
              </small>
            )}
            {field.name === "genre" && newGenre && (
              <div id="movie-genre-new" className="genre-new" data-testid="genre-new">
                {suggestion && (
                  <small className="warning">
                    Did you mean “{suggestion}”?{" "}
                    <button type="button" className="link" onClick={() => change("genre", suggestion)}>Use “{suggestion}”</button>
                  </small>
                )}
                <label className="check">
                  <input type="checkbox" checked={created === genreKey(draft.genre)}
                    onChange={(e) => {
                      setCreated(e.target.checked ? genreKey(draft.genre) : null);
                      if (e.target.checked) setErrors({ ...errors, genre: undefined });
                    }} />
                  Create “{draft.genre.trim()}” as a new one
                </label>
              </div>
            )}
            {errors[field.name] && (
              <small id={`movie-${field.name}-error`} className="field-error" role="alert">
                {errors[field.name]}
              </small>
            )}
          </div>
        );
      })}
      <ErrorMessage error={formError} />
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add movie"}
      </button>
    </form>
  );
}
