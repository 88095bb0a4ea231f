import { useEffect, useState } from "react";
import { type Bar, BarChart, Histogram } from "../components/BarChart";
import { Link } from "../components/Link";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Dashboard } from "../lib/api";
import { filtersToUrl } from "../lib/filters";
import { usePageTitle } from "../lib/router";

type DashboardData = Dashboard; // generated from src/api/openapi.json

const ADDED = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const byGenre = (genre: string) => filtersToUrl({ genres: [genre], minRating: "", year: "" });
const byYear = (year: number) => filtersToUrl({ genres: [], minRating: "", year: String(year) });

// Every year from the first to the last, gaps included, so the shape is true to the data.
function yearBars(data: DashboardData): Bar[] {
  const source = data.yearHistogram ?? [...data.moviesByYear].sort((a, b) => a.year - b.year);
  if (!source.length) return [];
  const counts = new Map(source.map((y) => [y.year, y.count]));
  const bars: Bar[] = [];
  for (let year = source[0].year; year <= source[source.length - 1].year; year += 1) {
    bars.push({ label: String(year), value: counts.get(year) ?? 0, href: byYear(year) });
  }
  return bars;
}

export function Dashboard() {
  usePageTitle("Dashboard");
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<DashboardData>("/dashboard").then(setData, (e: Error) => setError(e.message));
  }, []);
  const ratings = data?.ratingHistogram?.filter((r) => r.rating !== null) ?? [];
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      <ErrorMessage error={error} />
      {!data && !error && <Loading rows={6} />}
      {data && data.totalMovies === 0 && (
        <p>
          The library is empty. <Link href="/add">Add a movie</Link> or run the ETL to load one.
        </p>
      )}
      {data && data.totalMovies > 0 && (
        <>
          <div className="stats">
            <div className="stat">
              <span className="stat-value" data-testid="total-movies">{data.totalMovies}</span>
              <span className="stat-label">movies</span>
            </div>
            <div className="stat">
              <span className="stat-value">
                <span data-testid="average-rating">{data.averageRating?.toFixed(1) ?? "–"}</span>
                <span className="stat-unit"> / 10</span>
              </span>
              <span className="stat-label">average rating</span>
            </div>
            {typeof data.unratedMovies === "number" && (
              <div className="stat">
                <span className="stat-value" data-testid="unrated-movies">{data.unratedMovies}</span>
                <span className="stat-label">{data.unratedMovies === 1 ? "movie" : "movies"} without a rating</span>
              </div>
            )}
            {data.newest && (
              <div className="stat stat-newest">
                <Link href={`/movies/${data.newest.id}`} className="stat-title" data-testid="newest-movie">
                  {data.newest.title}
                </Link>
                <span className="stat-label">Newest addition</span>
                <span className="stat-when muted">
                  added <time dateTime={data.newest.created_at}>{ADDED.format(new Date(data.newest.created_at))}</time>
                </span>
              </div>
            )}
          </div>
          <div className="charts">
            <BarChart title="Top genres" testId="chart-genres" unit="movies" labelHeader="Genre"
              note={`The ${data.topGenres.length} genres with the most movies; select one to browse it.`}
              bars={data.topGenres.map((g) => ({ label: g.genre, value: g.count, href: byGenre(g.genre) }))} />
            <Histogram title="Movies by year" testId="chart-years" unit="movies" labelHeader="Year"
              note={data.yearHistogram ? "Every year in the library." : "The 20 latest years."}
              bars={yearBars(data)} />
            {ratings.length > 0 && (
              <Histogram title="Movies by rating" testId="chart-ratings" unit="movies" labelHeader="Rating"
                note={`Whole ratings, 0 to 10${data.unratedMovies ? `; ${data.unratedMovies} not rated` : ""}.`}
                bars={ratings.map((r) => ({ label: String(r.rating), value: r.count }))} />
            )}
          </div>
        </>
      )}
    </section>
  );
}
