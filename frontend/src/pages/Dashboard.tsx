import { useEffect, useState } from "react";
import { BarChart } from "../components/BarChart";
import { ErrorMessage, Loading } from "../components/Status";
import { api } from "../lib/api";

interface DashboardData {
  totalMovies: number;
  averageRating: number | null;
  topGenres: { genre: string; count: number }[];
  moviesByYear: { year: number; count: number }[];
}

export function Dashboard() {
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<DashboardData>("/dashboard").then(setData, (e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      <ErrorMessage error={error} />
      {!data && !error && <Loading />}
      {data && data.totalMovies === 0 && <p>The library is empty. Add a movie or run the ETL to load one.</p>}
      {data && data.totalMovies > 0 && (
        <>
          <div className="stats">
            <div className="stat">
              <span className="stat-value" data-testid="total-movies">{data.totalMovies}</span>
              <span className="stat-label">movies</span>
            </div>
            <div className="stat">
              <span className="stat-value" data-testid="average-rating">{data.averageRating?.toFixed(1) ?? "–"}</span>
              <span className="stat-label">average rating</span>
            </div>
            <div className="stat">
              <span className="stat-value">{data.topGenres.length}</span>
              <span className="stat-label">top genres shown</span>
            </div>
          </div>
          <div className="charts">
            <BarChart title="Top genres" unit="movies" bars={data.topGenres.map((g) => ({ label: g.genre, value: g.count }))} />
            <BarChart title="Movies by year" unit="movies"
              bars={data.moviesByYear.map((y) => ({ label: String(y.year), value: y.count }))} />
          </div>
        </>
      )}
    </section>
  );
}
