import { useEffect, useState } from "react";
import { Link } from "../components/Link";
import { When } from "../components/When";
import { goneNotice, loadVersioned, MovieCorrections, type Versioned } from "../components/MovieCorrections";
import { ErrorMessage, Loading } from "../components/Status";
import { touches, useLibraryChanges } from "../lib/libraryLive";
import { api, ApiError, type FilterResult, formatRating, type Movie, query } from "../lib/api";
import { filtersToUrl } from "../lib/filters";
import { useLocation, usePageTitle } from "../lib/router";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Where "Back" goes: the list the movie was opened from (with its filters), else Browse.
function backLink(from: string | null): { href: string; label: string } {
  if (from && from.startsWith("/") && !from.startsWith("//")) {
    if (from.startsWith("/search")) return { href: from, label: "Back to search results" };
    if (from.startsWith("/browse")) return { href: from, label: "Back to browsing" };
    if (from.startsWith("/top")) return { href: from, label: "Back to top rated" };
    if (from.startsWith("/add")) return { href: from, label: "Back to your adds" };
    if (from === "/") return { href: from, label: "Back to the dashboard" };
  }
  return { href: "/browse", label: "Browse all movies" };
}

function Neighbours({ title, movies, more }: { title: string; movies: Movie[]; more: string }) {
  if (!movies.length) return null;
  return (
    <section className="card neighbours" aria-label={title}>
      <h2>{title}</h2>
      <ul>
        {movies.map((m) => (
          <li key={m.id}>
            <Link href={`/movies/${m.id}`}>{m.title}</Link> <span className="muted">{formatRating(m.rating) ?? "not rated"}</span>
          </li>
        ))}
      </ul>
      <Link href={more}>See all</Link>
    </section>
  );
}

export function MovieDetail({ id }: { id: string }) {
  const { search } = useLocation();
  const back = backLink(search.get("from"));
  const [movie, setMovie] = useState<Movie | null>(null);
  const [missing, setMissing] = useState(!UUID.test(id));
  const [error, setError] = useState<string | null>(null);
  const [sameGenre, setSameGenre] = useState<Movie[]>([]);
  const [sameYear, setSameYear] = useState<Movie[]>([]);
  const [versioned, setVersioned] = useState<Versioned | null>(null);
  const [deleted, setDeleted] = useState<{ title: string; elsewhere: boolean } | null>(null);

  // libraryChanged: another user's edit shows here without a reload; a delete says so.
  useLibraryChanges((changes) => {
    if (!versioned || deleted) return;
    const what = touches(changes, versioned.movie.id);
    if (what === "deleted") setDeleted({ title: versioned.movie.title, elsewhere: true });
    else if (what) {
      loadVersioned(versioned.movie.id).then((v) => { setVersioned(v); setMovie(v.movie); }, (e: Error) => {
        if (e instanceof ApiError && e.status === 404) setDeleted({ title: versioned.movie.title, elsewhere: true });
      });
    }
  }, 100);
  usePageTitle(missing ? "Movie not found" : (movie?.title ?? "Movie"));

  useEffect(() => {
    setMovie(null);
    setError(null);
    setSameGenre([]);
    setSameYear([]);
    if (!UUID.test(id)) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setDeleted(null);
    setVersioned(null);
    loadVersioned(id).then((v) => { setVersioned(v); setMovie(v.movie); }, (e: Error) => {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setMissing(true);
      else setError(e.message);
    });
  }, [id]);

  useEffect(() => {
    if (!movie) return;
    const others = (list: Movie[]) => list.filter((m) => m.id !== movie.id).slice(0, 5);
    api<FilterResult>(`/movies/filter${query({ genre: movie.genre, limit: 6 })}`).then((r) => setSameGenre(others(r.movies)), () => undefined);
    if (movie.year !== null) {
      api<FilterResult>(`/movies/filter${query({ year: movie.year, limit: 6 })}`).then((r) => setSameYear(others(r.movies)), () => undefined);
    }
  }, [movie]);

  if (deleted !== null) return goneNotice(deleted.title, deleted.elsewhere);
  if (missing) {
    return (
      <section aria-labelledby="movie-title">
        <h1 id="movie-title">Movie not found</h1>
        <p>There is no movie at this address. It may have been mistyped, or the link is incomplete.</p>
        <p>
          <Link href={back.href}>{back.label}</Link> or <Link href="/search">search by title</Link>.
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="movie-title">
      <p>
        <Link href={back.href}>← {back.label}</Link>
      </p>
      <ErrorMessage error={error} retry />
      {!movie && !error && <Loading rows={4} />}
      {movie && (
        <>
          <h1 id="movie-title">{movie.title}</h1>
          <dl className="details card">
            <dt>Genre</dt>
            <dd><Link href={filtersToUrl({ genres: [movie.genre], minRating: "", year: "" })}>{movie.genre}</Link></dd>
            <dt>Rating</dt>
            <dd>{movie.rating !== null ? `${formatRating(movie.rating)} / 10` : "not rated"}</dd>
            <dt>Year</dt>
            <dd>{movie.year !== null ? <Link href={filtersToUrl({ genres: [], minRating: "", year: String(movie.year) })}>{movie.year}</Link> : "unknown"}</dd>
            <dt>Added</dt>
            <dd><When iso={movie.created_at} /></dd>
          </dl>
          {versioned && (
            <MovieCorrections versioned={versioned} onChanged={(next) => {
              if (next === null) setDeleted({ title: movie.title, elsewhere: false });
              else { setVersioned(next); setMovie(next.movie); }
            }} />
          )}
          <div className="two-columns">
            <Neighbours title={`More ${movie.genre}`} movies={sameGenre} more={filtersToUrl({ genres: [movie.genre], minRating: "", year: "" })} />
            {movie.year !== null && (
              <Neighbours title={`Also from ${movie.year}`} movies={sameYear} more={filtersToUrl({ genres: [], minRating: "", year: String(movie.year) })} />
            )}
          </div>
        </>
      )}
    </section>
  );
}
