import { useEffect, useState } from "react";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Dashboard, type Movie, query, type TopRatedResult } from "../lib/api";
import { reloadRows, useLibraryChanges } from "../lib/libraryLive";
import { readEntryState, saveEntryState, usePageTitle, useRestoreScroll } from "../lib/router";

// The same page size as Browse: one paging model ("Load more" with a total) for both lists.
const PAGE = 20;

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
    api<TopRatedResult>(`/movies/top-rated${query({ limit: PAGE, cursor })}`)
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

  // The dashboard knows how many movies have no rating (they are listed last, not ranked).
  const countUnrated = () => api<Dashboard>("/dashboard").then((d) => {
    if (typeof d.unratedMovies === "number") setUnrated(d.unratedMovies);
  }, () => undefined);

  useEffect(() => {
    if (!readEntryState<Shown>("top")) load(null);
    void countUnrated();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // libraryChanged: the rows loaded so far are read again in place (same count), keeping the user's place.
  useLibraryChanges(() => {
    const before = readEntryState<Shown>("top") ?? shown;
    if (!before) return;
    let total = before.total;
    void reloadRows(Math.max(PAGE, before.movies.length), (cursor, limit) =>
      api<TopRatedResult>(`/movies/top-rated${query({ limit, cursor })}`).then((p) => {
        total = p.pagination.total;
        return { movies: p.movies, nextCursor: p.pagination.nextCursor, hasMore: p.pagination.hasMore };
      }))
      .then((rows) => keep({ total, ...rows }), () => undefined);
    void countUnrated();
  }, 500);
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
      {/* While the next page loads, the rows already shown stay, dimmed, and the list says it is busy. */}
      <div aria-busy={loading} className={loading && shown ? "stale" : undefined} data-testid="results">
        {shown && shown.movies.length > 0 && <MovieTable movies={shown.movies} caption="Movies by rating" sortedBy="rating" focusIndex={focusIndex} linkState="/top" ranked />}
        {loading && !shown && <Loading rows={8} />}
        {shown && (
          <p role="status" data-testid="top-progress">
            Showing {shown.movies.length} of {shown.total}
            {!shown.hasMore && " — that is all of them"}
          </p>
        )}
        {shown?.hasMore && (
          <button type="button" disabled={loading} onClick={() => load(shown)}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
