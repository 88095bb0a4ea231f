import { useEffect, useState } from "react";
import { Link } from "../components/Link";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Movie } from "../lib/api";

export function MovieDetail({ id }: { id: string }) {
  const [movie, setMovie] = useState<Movie | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Movie>(`/movies/${encodeURIComponent(id)}`).then(setMovie, (e: Error) => setError(e.message));
  }, [id]);
  return (
    <section aria-labelledby="movie-title">
      <ErrorMessage error={error} />
      {!movie && !error && <Loading />}
      {movie && (
        <>
          <h1 id="movie-title">{movie.title}</h1>
          <dl className="details">
            <dt>Genre</dt>
            <dd>{movie.genre}</dd>
            <dt>Rating</dt>
            <dd>{movie.rating ?? "not rated"}</dd>
            <dt>Year</dt>
            <dd>{movie.year ?? "unknown"}</dd>
            <dt>Added</dt>
            <dd>{new Date(movie.created_at).toLocaleString()}</dd>
          </dl>
        </>
      )}
      <p>
        <Link href="/browse">Back to browsing</Link>
      </p>
    </section>
  );
}
