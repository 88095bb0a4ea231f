import { useEffect, useState } from "react";
import { MovieTable } from "../components/MovieTable";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Movie, query } from "../lib/api";
import { navigate, useLocation } from "../lib/router";

interface FilterPage {
  movies: Movie[];
  totalCount: number;
  pagination: { nextCursor: string | null; hasMore: boolean };
}

export interface Filters {
  genres: string[];
  minRating: string;
  year: string;
}

// The filters live in the URL (?genre=Drama&genre=Sci-Fi&minRating=7&year=2019): shareable, reload-proof.
export function filtersFromUrl(search: URLSearchParams): Filters {
  return { genres: search.getAll("genre"), minRating: search.get("minRating") ?? "", year: search.get("year") ?? "" };
}

export function filtersToUrl(filters: Filters): string {
  return `/browse${query({ genre: filters.genres, minRating: filters.minRating, year: filters.year })}`;
}

export function Browse() {
  const { search } = useLocation();
  const filters = filtersFromUrl(search);
  const key = search.toString();
  const [genres, setGenres] = useState<{ genre: string; count: number }[]>([]);
  const [movies, setMovies] = useState<Movie[]>([]);
  const [page, setPage] = useState<FilterPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    api<{ genres: { genre: string; count: number }[] }>("/genres").then((g) => setGenres(g.genres), (e: Error) => setError(e.message));
  }, []);

  // Each request is built from the URL it was made for (key), so a page never mixes two filters.
  const load = (params: string, cursor: string | null, append: boolean) => {
    const current = filtersFromUrl(new URLSearchParams(params));
    setLoading(true);
    setError(null);
    api<FilterPage>(`/movies/filter${query({ genre: current.genres, minRating: current.minRating, year: current.year, limit: 20, cursor })}`)
      .then((p) => {
        setPage(p);
        setMovies((previous) => (append ? [...previous, ...p.movies] : p.movies));
      }, (e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };

  useEffect(() => load(key, null, false), [key]);

  const update = (change: Partial<Filters>) => navigate(filtersToUrl({ ...filters, ...change }), true);
  const toggle = (genre: string) =>
    update({ genres: filters.genres.includes(genre) ? filters.genres.filter((g) => g !== genre) : [...filters.genres, genre] });

  return (
    <section aria-labelledby="browse-title">
      <h1 id="browse-title">Browse</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Genres (any of)</legend>
          <div className="genre-list">
            {genres.map((g) => (
              <label key={g.genre} className="check">
                <input type="checkbox" checked={filters.genres.includes(g.genre)} onChange={() => toggle(g.genre)} />
                {g.genre} <span className="muted">({g.count})</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="filter-row">
          <div>
            <label htmlFor="min-rating">Minimum rating</label>
            <input id="min-rating" type="number" min={0} max={10} step={0.1} value={filters.minRating}
              onChange={(e) => update({ minRating: e.target.value })} />
            <button type="button" className="secondary" disabled={!filters.minRating} onClick={() => update({ minRating: "" })}>
              Clear rating
            </button>
          </div>
          <div>
            <label htmlFor="year">Year</label>
            <input id="year" type="number" min={1900} max={2100} value={filters.year}
              onChange={(e) => update({ year: e.target.value })} />
          </div>
          <button type="button" className="secondary" onClick={() => navigate("/browse", true)}>
            Reset filters
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {page && (
        <p role="status" data-testid="filter-count">
          {page.totalCount} {page.totalCount === 1 ? "movie" : "movies"}
        </p>
      )}
      {movies.length > 0 && <MovieTable movies={movies} caption="Filtered movies" />}
      {loading && <Loading />}
      {page?.pagination.hasMore && !loading && (
        <button type="button" onClick={() => load(key, page.pagination.nextCursor, true)}>
          Load more
        </button>
      )}
    </section>
  );
}
