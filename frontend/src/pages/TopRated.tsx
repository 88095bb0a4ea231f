import { useEffect, useState } from "react";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Dashboard, type Movie, query, type TopRatedResult } from "../lib/api";
import { readEntryState, saveEntryState, usePageTitle, useRestoreScroll } from "../lib/router";

interface Shown {
  movies: Movie[];
  total: number;
  hasMore: boolean;
  nextCursor: string | null;
}

// The rows loaded so far live in the history entry, so Back from a movie returns to the same list
// at the same place.
export function TopRated() {
  usePageTitle("Top rated");
  const [shown, setShown] = useState<Shown | null>(() => readEntryState<Shown>("top") ?? null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [unrated, setUnrated] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);

  const keep = (next: Shown) => {
    saveEntryState("top", next);
    setShown(next);
  };

  const load = (previous: Shown | null) => {
    setLoading(true);
    const cursor = previous?.nextCursor ?? null;
    api<TopRatedResult>(`/movies/top-rated${query({ limit: 10, cursor })}`)
      .then((p) => {
        keep({
          movies: [...(previous?.movies ?? []), ...p.movies],
          total: p.pagination.total,
          hasMore: p.pagination.hasMore,
          nextCursor: p.pagination.nextCursor,
        });
        setFocusIndex(previous ? previous.movies.length : null);
      }, (e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    if (!readEntryState<Shown>("top")) load(null);
    // The dashboard knows how many movies have no rating (they are listed last, not ranked).
    api<Dashboard>("/dashboard").then((d) => {
      if (typeof d.unratedMovies === "number") setUnrated(d.unratedMovies);
    }, () => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useRestoreScroll(Boolean(shown));

  const ranked = shown && unrated !== null ? shown.total - unrated : null;
  return (
    <section aria-labelledby="top-title">
      <h1 id="top-title">Top rated</h1>
      <ErrorMessage error={error} retry />
      {shown && (
        <p className="muted" data-testid="top-summary">
          {ranked !== null
            ? `${ranked} rated ${ranked === 1 ? "movie" : "movies"}, highest first${unrated ? `; ${unrated} without a rating ${unrated === 1 ? "is" : "are"} listed last` : ""}.`
            : "Highest rated first; movies without a rating are listed last."}
        </p>
      )}
      {shown && shown.movies.length > 0 && <MovieTable movies={shown.movies} caption="Movies by rating" sortedBy="rating" focusIndex={focusIndex} linkState="/top" />}
      {loading && <Loading rows={shown ? 2 : 8} />}
      {shown && (
        <p role="status" data-testid="top-progress">
          Showing {shown.movies.length} of {shown.total}
          {!shown.hasMore && " — that is all of them"}
        </p>
      )}
      {shown?.hasMore && !loading && (
        <button type="button" onClick={() => load(shown)}>
          Load more
        </button>
      )}
    </section>
  );
}
