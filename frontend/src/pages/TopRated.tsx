import { useEffect, useState } from "react";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Movie, query } from "../lib/api";

interface TopPage {
  movies: Movie[];
  pagination: { start: number; limit: number; total: number; hasMore: boolean; nextCursor: string | null };
}

export function TopRated() {
  const [movies, setMovies] = useState<Movie[]>([]);
  const [page, setPage] = useState<TopPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = (cursor: string | null) => {
    setLoading(true);
    api<TopPage>(`/movies/top-rated${query({ limit: 10, cursor })}`)
      .then((p) => {
        setPage(p);
        setMovies((previous) => (cursor ? [...previous, ...p.movies] : p.movies));
      }, (e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };
  useEffect(() => load(null), []);

  return (
    <section aria-labelledby="top-title">
      <h1 id="top-title">Top rated</h1>
      <ErrorMessage error={error} />
      {movies.length > 0 && <MovieTable movies={movies} caption="Movies by rating" />}
      {loading && <Loading />}
      {page && (
        <p role="status" data-testid="top-progress">
          Showing {movies.length} of {page.pagination.total}
          {!page.pagination.hasMore && " — that is all of them"}
        </p>
      )}
      {page?.pagination.hasMore && !loading && (
        <button type="button" onClick={() => load(page.pagination.nextCursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
