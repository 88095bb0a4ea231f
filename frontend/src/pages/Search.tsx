import { useEffect, useState } from "react";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Movie, query } from "../lib/api";
import { navigate, useLocation } from "../lib/router";

interface Page {
  movies: Movie[];
  pagination: { nextCursor: string | null; hasMore: boolean };
}

const PAGE = 10;

export function Search() {
  const { search } = useLocation();
  const [term, setTerm] = useState(search.get("q") ?? "");
  const [debounced, setDebounced] = useState(term);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(term), 300);
    return () => clearTimeout(timer);
  }, [term]);

  useEffect(() => {
    setCursors([null]);
    navigate(debounced.trim() ? `/search${query({ q: debounced })}` : "/search", true);
  }, [debounced]);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    if (!debounced.trim()) {
      setPage(null);
      return;
    }
    let live = true;
    setLoading(true);
    setError(null);
    api<Page>(`/movies/search${query({ title: debounced, limit: PAGE, cursor })}`)
      .then((p) => live && setPage(p), (e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [debounced, cursor]);

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <label htmlFor="search-input">Title contains</label>
      <input id="search-input" type="search" value={term} placeholder="e.g. bloom" autoComplete="off"
        onChange={(e) => setTerm(e.target.value)} />
      <ErrorMessage error={error} />
      {loading && <Loading label="Searching…" />}
      {page && page.movies.length === 0 && !loading && <p role="status">No results for “{debounced}”.</p>}
      {page && page.movies.length > 0 && (
        <>
          <MovieTable movies={page.movies} caption={`Movies matching ${debounced}`} term={debounced} />
          <nav className="pager" aria-label="Search results pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>Page {cursors.length}</span>
            <button type="button" disabled={!page.pagination.hasMore}
              onClick={() => setCursors([...cursors, page.pagination.nextCursor])}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
