import { useEffect, useRef, useState } from "react";
import { Link } from "../components/Link";
import { BulkDelete, isLibrarian, useSelection } from "../components/BulkDelete";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, query, type SearchResult } from "../lib/api";
import { nextSort, SEARCH_ORDER, type SortColumn, sortFromUrl, sortParams } from "../lib/filters";
import { useLibraryChanges } from "../lib/libraryLive";
import { navigate, readEntryState, useLocation, usePageTitle, useRestoreScroll } from "../lib/router";

const PAGE = 10;
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
  const librarian = isLibrarian();
  const selection = useSelection();
  const input = useRef<HTMLInputElement>(null);
  const countRef = useRef<HTMLParagraphElement>(null);
  const paged = useRef(false); // Next/Previous was pressed: focus goes to the new page's count
  // While typing, the URL follows the box in the current history entry (B6); Enter, leaving the box
  // or a longer pause ends the entry, so Back steps through searches, not through half-typed words.
  const typing = useRef(false);
  const [examples, setExamples] = useState<string[]>([]);

  useEffect(() => setTerm(q), [q]);

  useEffect(() => {
    if (term.trim() === q.trim()) return;
    const timer = setTimeout(() => {
      navigate(term.trim() ? `/search${query({ q: term.trim(), ...order })}` : "/search", typing.current);
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

  useEffect(() => {
    if (!q.trim()) {
      setResult(null);
      setError(null); // an old search's error goes with it (B8)
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

  // libraryChanged: the page shown (same search, order and cursor) is read again in place.
  useLibraryChanges(() => {
    const params = new URLSearchParams(window.location.search);
    const title = params.get("q") ?? "";
    if (!title.trim()) return;
    api<SearchResult>(`/movies/search${query({ title, ...sortParams(sortFromUrl(params) ?? SEARCH_ORDER, SEARCH_ORDER), limit: PAGE, cursor: params.get("cursor") })}`)
      .then((p) => {
        if (params.toString() === new URLSearchParams(window.location.search).toString()) setResult({ key: params.toString(), page: p });
      }, () => undefined);
  }, 500);

  const current = result && result.key === key && term.trim() === q.trim() ? result.page : null;
  useEffect(() => {
    if (current && paged.current) {
      paged.current = false;
      countRef.current?.focus(); // keyboard users stay with the results after Next/Previous (B9)
    }
  }, [current]);
  useRestoreScroll(Boolean(current));
  const cursors = readEntryState<(string | null)[]>("cursors") ?? [];
  const go = (page: number, to: string | null, stack: (string | null)[]) => {
    paged.current = true;
    navigate(`/search${query({ q, ...order, page: page > 1 ? page : undefined, cursor: page > 1 ? to : undefined })}`, false, { cursors: stack });
  };
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
      <form role="search" onSubmit={(e) => {
        e.preventDefault();
        if (term.trim() !== q) navigate(`/search${query({ q: term.trim(), ...order })}`, typing.current);
        typing.current = false;
      }}>
        <label htmlFor="search-input">Title contains</label>
        <input id="search-input" ref={input} type="search" value={term} placeholder={examples[0] ? `e.g. ${examples[0]}` : ""}
          autoComplete="off" maxLength={MAX} aria-describedby="search-shortcut"
          onChange={(e) => setTerm(e.target.value)} onBlur={() => (typing.current = false)} />
        <small id="search-shortcut" className="muted">Up to {MAX} characters. Press / anywhere to come back here.</small>
      </form>
      <ErrorMessage error={error} retry />
      {!q.trim() && !term.trim() && (
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
      {loading && !current && <Loading label="Searching…" rows={4} />}
      {current && current.movies.length === 0 && <p role="status">No movie title contains “{q}”.</p>}
      {current && current.movies.length > 0 && (
        <>
          <p role="status" data-testid="search-count" ref={countRef} tabIndex={-1}>{count}</p>
          {librarian && result && (
            <BulkDelete movies={current.movies} selection={selection} onDone={(gone) => setResult(
              { ...result, page: { ...result.page, movies: result.page.movies.filter((m) => !gone.includes(m.id)) } })} />
          )}
          <MovieTable movies={current.movies} caption={`Movies matching ${q}`} term={q} sort={sort} onSort={resort}
            focusSort={sortedTo === href ? sort.column : null} linkState={`/search?${key}`}
            selection={librarian ? selection : undefined} />
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
