import { type FormEvent, useEffect, useState } from "react";
import { ApiError } from "../lib/api";
import { type FieldErrors, type MovieDraft, toPayload, validateMovie } from "../lib/validation";
import { ErrorMessage } from "./Status";

const DRAFT = "mle.add-draft";
const EMPTY: MovieDraft = { title: "", genre: "", rating: "", year: "" };
const FIELDS: { name: keyof MovieDraft; label: string; hint: string; inputMode?: "decimal" | "numeric" }[] = [
  { name: "title", label: "Title", hint: "Up to 255 characters" },
  { name: "genre", label: "Genre", hint: "e.g. Drama" },
  { name: "rating", label: "Rating", hint: "0 to 10, one decimal", inputMode: "decimal" },
  { name: "year", label: "Year", hint: "1900 to 2100", inputMode: "numeric" },
];

function savedDraft(): MovieDraft {
  try {
    return { ...EMPTY, ...JSON.parse(sessionStorage.getItem(DRAFT) ?? "{}") };
  } catch {
    return EMPTY;
  }
}

// What is typed survives an expired session: the draft is kept until the add succeeds.
export function AddForm({ onSubmit }: { onSubmit: (movie: ReturnType<typeof toPayload>) => Promise<void> }) {
  const [draft, setDraft] = useState<MovieDraft>(savedDraft);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => sessionStorage.setItem(DRAFT, JSON.stringify(draft)), [draft]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const found = validateMovie(draft);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await onSubmit(toPayload(draft));
      setDraft(EMPTY);
      sessionStorage.removeItem(DRAFT);
    } catch (err) {
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

  return (
    <form onSubmit={submit} noValidate aria-labelledby="add-form-title" className="card">
      <h2 id="add-form-title">New movie</h2>
      {FIELDS.map((field) => (
        <div key={field.name} className="field">
          <label htmlFor={`movie-${field.name}`}>{field.label}</label>
          <input id={`movie-${field.name}`} name={field.name} value={draft[field.name]} inputMode={field.inputMode}
            aria-invalid={Boolean(errors[field.name])}
            aria-describedby={`movie-${field.name}-hint${errors[field.name] ? ` movie-${field.name}-error` : ""}`}
            onChange={(e) => setDraft({ ...draft, [field.name]: e.target.value })} />
          <small id={`movie-${field.name}-hint`} className="muted">{field.hint}</small>
          {errors[field.name] && (
            <small id={`movie-${field.name}-error`} className="field-error" role="alert">
              {errors[field.name]}
            </small>
          )}
        </div>
      ))}
      <ErrorMessage error={formError} />
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add movie"}
      </button>
    </form>
  );
}
