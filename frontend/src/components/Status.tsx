import { useEffect } from "react";

// A page whose data could not load asks the app to show it again (App.tsx remounts the page).
export const RETRY = "mle:retry";
const retryPage = () => window.dispatchEvent(new Event(RETRY));

// retry: a failed load, not a refused form: offers "Try again", and tries again by itself when the
// browser comes back online (B18).
export function ErrorMessage({ error, id, retry = false }: { error: string | null; id?: string; retry?: boolean }) {
  useEffect(() => {
    if (!error || !retry) return;
    window.addEventListener("online", retryPage);
    return () => window.removeEventListener("online", retryPage);
  }, [error, retry]);
  if (!error) return null;
  return (
    <div className="error-box">
      <p className="error" role="alert" id={id}>
        {error}
      </p>
      {retry && (
        <button type="button" className="secondary" onClick={retryPage}>
          Try again
        </button>
      )}
    </div>
  );
}

// A skeleton in the shape of what is coming, with the words for screen readers.
export function Loading({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="skeleton" role="status" data-testid="loading">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <span key={i} className="skeleton-line" aria-hidden="true" />
      ))}
    </div>
  );
}
