import { useEffect, useRef, useState } from "react";
import { Link } from "../components/Link";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, query, type SearchResult } from "../lib/api";
import { nextSort, SEARCH_ORDER, type SortColumn, sortFromUrl, sortParams } from "../lib/filters";
import { navigate, readEntryState, useLocation, usePageTitle, useRestoreScroll } from "../lib/router";

const PAGE = 10;
const EXAMPLES = ["love", "night", "the"];

// The search lives in the URL (?q=…&sort=year&order=asc&page=2&cursor=…): Back and reload return to the same page.
// Earlier pages' cursors ride in the history entry, for "Previous".
export function Search() {
  const { search, href } = useLocation();
  const q = search.get("q") ?? "";
  const sort = sortFromUrl(search) ?? SEARCH_ORDER;
  const order = sortParams(sort, SEARCH_ORDER); // only a non-default order goes into URLs and requests
  const cursor = search.get("cursor");
  const pageNumber = Math.max(1, Number(search.get("page") ?? "1") || 1);
  const key = search.toString();
  usePageTitle(q ? `Search: ${q}` : "Search");
  const [term, setTerm] = useState(q);
  const [result, setResult] = useState<{ key: string; page: SearchResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [sortedTo, setSortedTo] = useState<string | null>(null); // the URL a header click went to
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => setTerm(q), [q]);

  // Typing pauses: the term becomes a new history entry (so Back returns to the previous search).
  useEffect(() => {
    if (term.trim() === q.trim()) return;
    const timer = setTimeout(() => navigate(term.trim() ? `/search${query({ q: term.trim(), ...order })}` : "/search"), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [term, q]);

  useEffect(() => {
    if (!q.trim()) {
      setResult(null);
      return;
    }
    let live = true;
    setLoading(true);
    setError(null);
    api<SearchResult>(`/movies/search${query({ title: q, ...order, limit: PAGE, cursor })}`)
      .then((p) => live && setResult({ key, page: p }), (e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const current = result && result.key === key && term.trim() === q.trim() ? result.page : null;
  useRestoreScroll(Boolean(current));
  const cursors = readEntryState<(string | null)[]>("cursors") ?? [];
  const go = (page: number, to: string | null, stack: (string | null)[]) =>
    navigate(`/search${query({ q, ...order, page: page > 1 ? page : undefined, cursor: page > 1 ? to : undefined })}`, false, { cursors: stack });
  // A new order starts again at its first page.
  const resort = (column: SortColumn) => {
    const target = `/search${query({ q, ...sortParams(nextSort(sort, column), SEARCH_ORDER) })}`;
    setSortedTo(target);
    navigate(target);
  };

  const count = current
    ? current.pagination.hasMore
      ? `More than ${pageNumber * PAGE} movies`
      : (() => {
          const n = (pageNumber - 1) * PAGE + current.movies.length;
          return `${n} ${n === 1 ? "movie" : "movies"}`;
        })()
    : null;

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form role="search" onSubmit={(e) => { e.preventDefault(); if (term.trim() !== q) navigate(`/search${query({ q: term.trim(), ...order })}`); }}>
        <label htmlFor="search-input">Title contains</label>
        <input id="search-input" ref={input} type="search" value={term} placeholder="e.g. bloom" autoComplete="off"
          onChange={(e) => setTerm(e.target.value)} />
      </form>
      <ErrorMessage error={error} />
      {!q.trim() && !term.trim() && (
        <div className="hint card" data-testid="search-empty">
          <p>Type any part of a title; case does not matter. Try:</p>
          <p className="chips">
            {EXAMPLES.map((word) => (
              <button key={word} type="button" className="secondary chip" onClick={() => { setTerm(word); input.current?.focus(); }}>
                {word}
              </button>
            ))}
          </p>
          <p className="muted">To list movies by genre, rating or year, use <Link href="/browse">Browse</Link>.</p>
        </div>
      )}
      {loading && !current && <Loading label="Searching…" rows={4} />}
      {current && current.movies.length === 0 && <p role="status">No movie title contains “{q}”.</p>}
      {current && current.movies.length > 0 && (
        <>
          <p role="status" data-testid="search-count">{count}</p>
          <MovieTable movies={current.movies} caption={`Movies matching ${q}`} term={q} sort={sort} onSort={resort}
            focusSort={sortedTo === href ? sort.column : null} linkState={`/search?${key}`} />
          {(pageNumber > 1 || current.pagination.hasMore) && (
            <nav className="pager" aria-label="Search results pages">
              <button type="button" disabled={pageNumber === 1}
                onClick={() => (cursors.length >= pageNumber - 1
                  ? go(pageNumber - 1, cursors[pageNumber - 2] ?? null, cursors.slice(0, Math.max(0, pageNumber - 2)))
                  : go(1, null, []))}>
                Previous
              </button>
              <span>Page {pageNumber}</span>
              <button type="button" disabled={!current.pagination.hasMore}
                onClick={() => go(pageNumber + 1, current.pagination.nextCursor, [...cursors.slice(0, pageNumber - 1), cursor])}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
