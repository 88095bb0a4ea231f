import { Fragment, useEffect, useRef, useState } from "react";
import { Link } from "../components/Link";
import { BulkDelete, isLibrarian, useSelection } from "../components/BulkDelete";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { TitleSuggest } from "../components/TitleSuggest";
import { api, type Movie, query, type SearchResult } from "../lib/api";
import { defaultOrder, nextSort, type Sort, type SortColumn, sortFromUrl } from "../lib/filters";
import { reloadRows, useLibraryChanges } from "../lib/libraryLive";
import { navigate, readEntryState, saveEntryState, useLocation, usePageTitle, useRestoreScroll } from "../lib/router";

const PAGE = 20; // the same page size as Browse and Top rated: one paging model ("Load more")
const MAX = 255; // the API's limit for ?title=
const COMMIT_MS = 1500; // a pause this long while typing makes the search a history entry of its own

// Example searches from the library's own titles (its best-rated), so the first click finds something.
function exampleWords(titles: string[]): string[] {
  const words: string[] = [];
  for (const title of titles) {
    for (const word of title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (word.length >= 4 && !words.includes(word)) words.push(word);
      if (words.length === 3) return words;
    }
  }
  return words;
}

// The order's URL and API parameters: none for best match first (the API's default for a search,
// issue 27), so plain links stay plain and the request never names an order an older server refuses.
function orderParams(sort: Sort | undefined): { sort?: SortColumn; order?: string } {
  return sort ? { sort: sort.column, order: sort.order } : {};
}

export function searchUrl(q: string, sort?: Sort): string {
  return q.trim() ? `/search${query({ q: q.trim(), ...orderParams(sort) })}` : "/search";
}

function searchPath(title: string, sort: Sort | undefined, limit: number, cursor: string | null): string {
  return `/movies/search${query({ title, ...orderParams(sort), limit, cursor })}`;
}

// What is on screen, tied to the search it answers (key): rows are never shown for another term or order.
interface Results {
  key: string;
  movies: Movie[];
  nextCursor: string | null;
  hasMore: boolean;
  didYouMean: string[];
}

// "A", "A or B", "A, B or C".
function alternatives(titles: string[]) {
  return titles.map((title, i) => (
    <Fragment key={title}>
      {i > 0 && (i === titles.length - 1 ? " or " : ", ")}
      <Link href={searchUrl(title)}>{title}</Link>
    </Fragment>
  ));
}

// The search lives in the URL (?q=…&sort=year&order=asc); the rows loaded so far ("Load more") live in
// the history entry, so Back, Forward and reload return to the same list at the same place.
export function Search() {
  const { search, href } = useLocation();
  const q = (search.get("q") ?? "").trim();
  const sort = sortFromUrl(search); // undefined: best match first
  const key = searchUrl(q, sort);
  usePageTitle(q ? `Search: ${q}` : "Search");
  const [term, setTerm] = useState(q);
  const [results, setResults] = useState<Results | null>(() => readEntryState<Results>("search") ?? null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const [sortedTo, setSortedTo] = useState<string | null>(null); // the URL a header click went to
  const librarian = isLibrarian();
  const selection = useSelection();
  const input = useRef<HTMLInputElement>(null);
  // While typing, the URL follows the box in the current history entry (B6); Enter, leaving the box
  // or a longer pause ends the entry, so Back steps through searches, not through half-typed words.
  const typing = useRef(false);
  const [examples, setExamples] = useState<string[]>([]);

  useEffect(() => setTerm(q), [q]);

  // Any other spelling of a search's URL opens as the one its rows are keyed by: a link from before "Load
  // more" (…&page=2&cursor=…) from its first rows, and ?q=a%20b (a typed or shared link; ours write a+b),
  // whose rows were otherwise never shown.
  useEffect(() => {
    if (href !== key) navigate(key, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (term.trim() === q) return;
    const timer = setTimeout(() => {
      navigate(searchUrl(term, sort), typing.current);
      typing.current = true;
    }, 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [term, q]);

  useEffect(() => {
    const commit = setTimeout(() => (typing.current = false), COMMIT_MS);
    return () => clearTimeout(commit);
  }, [term]);

  // Came here with the "/" shortcut: the box gets focus once the app has moved focus to the new page.
  useEffect(() => {
    if (!readEntryState<boolean>("focusSearch")) return;
    const timer = setTimeout(() => input.current?.focus(), 0);
    return () => clearTimeout(timer);
  }, []);

  useEffect(() => {
    api<{ movies: { title: string }[] }>(`/movies/top-rated${query({ limit: 10 })}`)
      .then((top) => setExamples(exampleWords(top.movies.map((m) => m.title))), () => undefined);
  }, []);

  const load = (target: string, title: string, order: Sort | undefined, cursor: string | null, previous: Movie[]) => {
    setLoading(true);
    setError(null);
    return api<SearchResult>(searchPath(title, order, PAGE, cursor))
      .then((p) => {
        if (window.location.pathname + window.location.search !== target) return;
        const next: Results = {
          key: target,
          movies: [...previous, ...p.movies],
          nextCursor: p.pagination.nextCursor,
          hasMore: p.pagination.hasMore,
          didYouMean: p.didYouMean ?? [], // an API from before issue 27 sends none
        };
        saveEntryState("search", next);
        setResults(next);
        setFocusIndex(cursor ? previous.length : null);
      }, (e: Error) => {
        if (window.location.pathname + window.location.search === target) setError(e.message);
      })
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    if (!q) {
      setError(null); // an old search's error goes with it (B8)
      return;
    }
    const kept = readEntryState<Results>("search");
    if (kept && kept.key === key) {
      setResults(kept);
      return;
    }
    // The old rows stay on screen, dimmed, until the new ones arrive (they are not swapped for a skeleton).
    void load(key, q, sort, null, []);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  // libraryChanged: the rows shown are read again in place (as many as were loaded, same term and order).
  useLibraryChanges(() => {
    const shown = readEntryState<Results>("search") ?? results;
    const target = window.location.pathname + window.location.search;
    if (!shown || shown.key !== target) return;
    const params = new URLSearchParams(window.location.search);
    const title = (params.get("q") ?? "").trim();
    const order = sortFromUrl(params);
    let didYouMean = shown.didYouMean;
    void reloadRows(Math.max(PAGE, shown.movies.length), (cursor, limit) =>
      api<SearchResult>(searchPath(title, order, limit, cursor)).then((p) => {
        didYouMean = p.didYouMean ?? [];
        return { movies: p.movies, nextCursor: p.pagination.nextCursor, hasMore: p.pagination.hasMore };
      }))
      .then((rows) => {
        if (window.location.pathname + window.location.search !== target) return;
        const next: Results = { key: target, didYouMean, ...rows };
        saveEntryState("search", next);
        setResults(next);
      }, () => undefined);
  }, 500);

  const settled = term.trim() === q;
  const current = q && results && results.key === key && settled ? results : null;
  // Another term or order is loading (or being typed): the previous rows stay, dimmed and aria-busy.
  const previous = !current && q && term.trim() && !error && results ? results : null;
  const list = current ?? previous;
  const pending = previous !== null;
  useRestoreScroll(Boolean(current));

  // A header click sorts by that column (from the first rows); "Best match first" goes back to relevance.
  const resort = (column: SortColumn) => {
    const target = searchUrl(q, sort ? nextSort(sort, column) : { column, order: defaultOrder(column) });
    setSortedTo(target);
    navigate(target);
  };

  const count = list
    ? list.hasMore
      ? `More than ${list.movies.length} movies, showing ${list.movies.length}`
      : `${list.movies.length} ${list.movies.length === 1 ? "movie" : "movies"}`
    : null;

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form role="search" onSubmit={(e) => {
        e.preventDefault();
        if (term.trim() !== q) navigate(searchUrl(term, sort), typing.current);
        typing.current = false;
      }}>
        <label htmlFor="search-input">Title contains</label>
        <TitleSuggest id="search-input" inputRef={input} type="search" value={term} onChange={setTerm}
          placeholder={examples[0] ? `e.g. ${examples[0]}` : ""} from={searchUrl(term, sort)}
          autoComplete="off" maxLength={MAX} aria-describedby="search-shortcut"
          onBlur={() => (typing.current = false)} />
        <small id="search-shortcut" className="muted">Up to {MAX} characters; titles are suggested as you type. Press / anywhere to come back here.</small>
      </form>
      <ErrorMessage error={error} retry />
      {!q && !term.trim() && (
        <div className="hint card" data-testid="search-empty">
          <p>Type any part of a title; case does not matter.{examples.length > 0 && " Try:"}</p>
          <p className="chips">
            {examples.map((word) => (
              <button key={word} type="button" className="secondary chip" onClick={() => { setTerm(word); input.current?.focus(); }}>
                {word}
              </button>
            ))}
          </p>
          <p className="muted">To list movies by genre, rating or year, use <Link href="/browse">Browse</Link>.</p>
        </div>
      )}
      {loading && !list && <Loading label="Searching…" rows={4} />}
      <div aria-busy={pending || loading} className={(pending || loading) && list ? "stale" : undefined} data-testid="results">
        {list && list.didYouMean.length > 0 && (
          <p className="did-you-mean" data-testid="did-you-mean">Did you mean {alternatives(list.didYouMean)}?</p>
        )}
        {current && current.movies.length === 0 && <p role="status">No movie title contains “{q}”.</p>}
        {list && list.movies.length > 0 && (
          <>
            <div className="list-head">
              <p role="status" data-testid="search-count">{count}</p>
              <button type="button" className="secondary chip" aria-pressed={!sort} data-testid="relevance"
                onClick={() => {
                  if (sort) navigate(searchUrl(q));
                }}>
                Best match first
              </button>
            </div>
            {librarian && current && (
              <BulkDelete movies={current.movies} selection={selection} onDone={(gone) => setResults(
                results && { ...results, movies: results.movies.filter((m) => !gone.includes(m.id)) })} />
            )}
            <MovieTable movies={list.movies} caption={`Movies matching ${q}`} term={q} sort={sort} onSort={resort}
              focusSort={sortedTo === href ? (sort?.column ?? null) : null} focusIndex={focusIndex} linkState={key}
              selection={librarian ? selection : undefined} />
          </>
        )}
        {current?.hasMore && (
          <button type="button" disabled={loading} onClick={() => void load(key, q, sort, current.nextCursor, current.movies)}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
