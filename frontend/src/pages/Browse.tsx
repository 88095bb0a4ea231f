import { useEffect, useRef, useState } from "react";
import { BulkDelete, isLibrarian, useSelection } from "../components/BulkDelete";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { allGenres, api, type FilterResult, type GenreCount, type Movie, query } from "../lib/api";
import { BROWSE_ORDER, type Filters, filtersFromUrl, filtersToUrl, nextSort, ratingProblem, type SortColumn, sortParams, yearProblem } from "../lib/filters";
import { HINTS, QUERY_RULES } from "../lib/generated/schema";

// As many digits as the contract's latest year has.
const YEAR_DIGITS = String(QUERY_RULES.filterMovies.year.maximum).length;
import { reloadRows, useLibraryChanges } from "../lib/libraryLive";
import { navigate, readEntryState, saveEntryState, useLocation, usePageTitle, useRestoreScroll } from "../lib/router";

export { filtersFromUrl, filtersToUrl } from "../lib/filters";

// What is on screen, tied to the URL it answers (key): a result is never shown for other filters.
interface Results {
  key: string;
  movies: Movie[];
  totalCount: number;
  nextCursor: string | null;
  hasMore: boolean;
}

const TYPING_MS = 450;
const PAGE = 20;

function narrow(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(max-width: 600px)").matches;
}

export function Browse() {
  const { search, href } = useLocation();
  const filters = filtersFromUrl(search);
  const sort = filters.sort ?? BROWSE_ORDER;
  const key = search.toString();
  usePageTitle("Browse");
  const [genres, setGenres] = useState<GenreCount[]>([]);
  const [results, setResults] = useState<Results | null>(() => readEntryState<Results>("browse") ?? null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const librarian = isLibrarian();
  const selection = useSelection();
  const [rating, setRating] = useState(filters.minRating);
  const [year, setYear] = useState(filters.year);
  const [shownProblems, setShownProblems] = useState<{ rating?: string; year?: string }>({});
  const [open, setOpen] = useState(() => !narrow() || key !== "");
  const [sortedTo, setSortedTo] = useState<string | null>(null); // the URL a header click went to
  const ratingInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    allGenres().then(setGenres, (e: Error) => setError(e.message));
  }, []);

  // Back/Forward (or a link) changed the URL: the inputs follow it.
  useEffect(() => {
    const f = filtersFromUrl(new URLSearchParams(key));
    setRating(f.minRating);
    setYear(f.year);
    setShownProblems({});
  }, [key]);

  const load = (params: string, cursor: string | null, previous: Movie[]) => {
    const current = filtersFromUrl(new URLSearchParams(params));
    setLoading(true);
    setError(null);
    return api<FilterResult>(`/movies/filter${query({ genre: current.genres, minRating: current.minRating, year: current.year, ...sortParams(current.sort, BROWSE_ORDER), limit: PAGE, cursor })}`)
      .then((p) => {
        if (new URLSearchParams(window.location.search).toString() !== params) return;
        const next: Results = {
          key: params,
          movies: [...previous, ...p.movies],
          totalCount: p.totalCount,
          nextCursor: p.pagination.nextCursor,
          hasMore: p.pagination.hasMore,
        };
        saveEntryState("browse", next);
        setResults(next);
        setFocusIndex(cursor ? previous.length : null);
      }, (e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    const kept = readEntryState<Results>("browse");
    if (kept && kept.key === key) {
      setResults(kept);
      return;
    }
    // The old list stays on screen, dimmed, until the new one arrives (it is not swapped for a skeleton).
    void load(key, null, []);
  }, [key]);

  // libraryChanged: the rows shown are read again in place (as many as were loaded, same filters and
  // order), so another user's add, edit or delete shows without moving the user's place in the list.
  useLibraryChanges(() => {
    const shown = readEntryState<Results>("browse") ?? results;
    const params = new URLSearchParams(window.location.search).toString();
    if (!shown || shown.key !== params) return;
    const f = filtersFromUrl(new URLSearchParams(params));
    let totalCount = shown.totalCount;
    void reloadRows(Math.max(PAGE, shown.movies.length), (cursor, limit) =>
      api<FilterResult>(`/movies/filter${query({ genre: f.genres, minRating: f.minRating, year: f.year, ...sortParams(f.sort, BROWSE_ORDER), limit, cursor })}`)
        .then((p) => {
          totalCount = p.totalCount;
          return { movies: p.movies, nextCursor: p.pagination.nextCursor, hasMore: p.pagination.hasMore };
        }))
      .then((rows) => {
        if (new URLSearchParams(window.location.search).toString() !== params) return;
        const next: Results = { key: params, totalCount, ...rows };
        saveEntryState("browse", next);
        setResults(next);
      }, () => undefined);
  }, 500);

  const ratingCheck = ratingProblem(rating);
  const yearCheck = yearProblem(year);
  const inputsValid = ratingCheck === null && yearCheck === null;
  const inputsMatchUrl = rating.trim() === filters.minRating && year.trim() === filters.year;

  // Typed values go into the URL (a new history entry) once typing pauses and they are valid.
  useEffect(() => {
    if (inputsMatchUrl) return;
    const timer = setTimeout(() => {
      setShownProblems({
        rating: ratingCheck ?? undefined,
        year: yearCheck === "incomplete" ? "Enter a year as four digits, like 2019." : (yearCheck ?? undefined),
      });
      if (!inputsValid) return;
      const target = filtersToUrl({ ...filtersFromUrl(new URLSearchParams(window.location.search)), minRating: rating.trim(), year: year.trim() });
      if (target !== window.location.pathname + window.location.search) navigate(target);
    }, TYPING_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rating, year]);

  const update = (change: Partial<Filters>) => navigate(filtersToUrl({ ...filters, ...change }));
  // A new order is a new list: a history entry of its own, read from the first page again.
  const resort = (column: SortColumn) => {
    const target = filtersToUrl({ ...filters, sort: nextSort(sort, column) });
    setSortedTo(target);
    navigate(target);
  };
  const toggle = (genre: string) =>
    update({ genres: filters.genres.includes(genre) ? filters.genres.filter((g) => g !== genre) : [...filters.genres, genre] });

  // A rating or year that is being typed, or is wrong, means the list below would not match it.
  const invalid = Boolean(shownProblems.rating || shownProblems.year) && !inputsMatchUrl;
  const current = results && results.key === key && !invalid ? results : null;
  // Another filter or order is loading: the previous list stays, dimmed and aria-busy, so nothing jumps.
  const previous = !current && !invalid && !error && results ? results : null;
  const list = current ?? previous;
  const pending = (!inputsMatchUrl && !invalid) || previous !== null;
  useRestoreScroll(Boolean(current));
  const active = filters.genres.length + (filters.minRating ? 1 : 0) + (filters.year ? 1 : 0);

  return (
    <section aria-labelledby="browse-title">
      <h1 id="browse-title">Browse</h1>
      <details className="filters card" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Filters{active > 0 && ` (${active} active)`}</summary>
        <form onSubmit={(e) => e.preventDefault()}>
          <fieldset>
            <legend>Genres (any of)</legend>
            <div className="genre-list">
              {genres.length === 0 && <Loading label="Loading genres…" rows={1} />}
              {genres.map((g) => (
                <label key={g.genre} className="check">
                  <input type="checkbox" checked={filters.genres.includes(g.genre)} onChange={() => toggle(g.genre)} />
                  {g.genre} <span className="muted">({g.count})</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="filter-row">
            <div className="field">
              <label htmlFor="min-rating">Minimum rating</label>
              <div className="inline">
                <input id="min-rating" ref={ratingInput} type="text" inputMode="decimal" className="short" value={rating}
                  aria-invalid={Boolean(shownProblems.rating)} aria-describedby="min-rating-hint min-rating-error" autoComplete="off"
                  onChange={(e) => { setRating(e.target.value); setShownProblems((p) => ({ ...p, rating: undefined })); }} />
                <button type="button" className="secondary" disabled={!rating}
                  onClick={() => { setRating(""); update({ minRating: "" }); ratingInput.current?.focus(); }}>
                  Clear rating
                </button>
              </div>
              <small id="min-rating-hint" className="muted">{HINTS.filterMovies.minRating}</small>
              <small id="min-rating-error" className="field-error" role="alert">{shownProblems.rating}</small>
            </div>
            <div className="field">
              <label htmlFor="year">Year</label>
              <input id="year" type="text" inputMode="numeric" className="short" value={year} maxLength={YEAR_DIGITS}
                aria-invalid={Boolean(shownProblems.year)} aria-describedby="year-hint year-error" autoComplete="off"
                onChange={(e) => { setYear(e.target.value); setShownProblems((p) => ({ ...p, year: undefined })); }} />
              <small id="year-hint" className="muted">{HINTS.filterMovies.year}</small>
              <small id="year-error" className="field-error" role="alert">{shownProblems.year}</small>
            </div>
            <button type="button" className="secondary" disabled={active === 0 && !rating && !year}
              onClick={() => { setRating(""); setYear(""); navigate("/browse"); }}>
              Reset filters
            </button>
          </div>
        </form>
      </details>
      <ErrorMessage error={error} retry />
      {invalid && <p className="muted" data-testid="filter-invalid">Fix the filters above to see matching movies.</p>}
      <div aria-busy={pending || loading} className={pending ? "stale" : undefined} data-testid="results">
        {list && (
          <p role="status" data-testid="filter-count">
            {list.totalCount} {list.totalCount === 1 ? "movie" : "movies"}
            {list.movies.length < list.totalCount && `, showing ${list.movies.length}`}
          </p>
        )}
        {librarian && current && (
          <BulkDelete movies={current.movies} selection={selection} onDone={(gone) => setResults(
            results && { ...results, movies: results.movies.filter((m) => !gone.includes(m.id)),
              totalCount: results.totalCount - gone.length })} />
        )}
        {list && list.movies.length > 0 && <MovieTable movies={list.movies} caption="Filtered movies" sort={sort} onSort={resort}
          focusSort={sortedTo === href ? sort.column : null} focusIndex={focusIndex} linkState={key ? `/browse?${key}` : "/browse"}
          selection={librarian ? selection : undefined} />}
        {current && current.totalCount === 0 && <p>No movie matches these filters.</p>}
        {loading && !invalid && !list && <Loading rows={6} />}
        {current?.hasMore && (
          <button type="button" disabled={loading} onClick={() => void load(key, current.nextCursor, current.movies)}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
