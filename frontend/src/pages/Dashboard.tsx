import { useEffect, useState } from "react";
import { useLibraryChanges } from "../lib/libraryLive";
import { type Bar, BarChart, Histogram } from "../components/BarChart";
import { Link } from "../components/Link";
import { When } from "../components/When";
import { ErrorMessage, Loading } from "../components/Status";
import { api, type Dashboard } from "../lib/api";
import { filtersToUrl } from "../lib/filters";
import { usePageTitle } from "../lib/router";

type DashboardData = Dashboard; // generated from src/api/openapi.json


const byGenre = (genre: string) => filtersToUrl({ genres: [genre], minRating: "", year: "" });
const byYear = (year: number) => filtersToUrl({ genres: [], minRating: "", year: String(year) });

// Years as columns: one per year while that stays readable, else 5-year spans or decades (a library
// with one 1900 film beside this year's would otherwise draw 128 hair-thin columns). Gaps are kept
// as empty columns so the shape is true to the data.
export function yearBars(source: { year: number; count: number }[]): { bars: Bar[]; size: number } {
  const years = [...source].sort((a, b) => a.year - b.year);
  if (!years.length) return { bars: [], size: 1 };
  const first = years[0].year;
  const last = years[years.length - 1].year;
  const span = last - first + 1;
  const size = span <= 30 ? 1 : span <= 60 ? 5 : 10;
  const counts = new Map<number, number>();
  for (const y of years) {
    const from = Math.floor(y.year / size) * size;
    counts.set(from, (counts.get(from) ?? 0) + y.count);
  }
  const bars: Bar[] = [];
  for (let from = Math.floor(first / size) * size; from <= last; from += size) {
    const label = size === 1 ? String(from) : size === 10 ? `${from}s` : `${from}–${String(from + size - 1).slice(-2)}`;
    bars.push({ label, value: counts.get(from) ?? 0, href: size === 1 ? byYear(from) : undefined });
  }
  return { bars, size };
}

// Buckets hold every rating from the whole number up (6.9 counts in "6–6.9").
export function ratingLabel(rating: number): string {
  return rating >= 10 ? "10" : `${rating}–${rating}.9`;
}

export function Dashboard() {
  usePageTitle("Dashboard");
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<string | null>(null);
  // libraryChanged: the numbers follow adds, edits, deletes and syncs without a reload.
  useLibraryChanges(() => {
    api<DashboardData>("/dashboard").then(setData, () => undefined);
  }, 500);
  useEffect(() => {
    api<DashboardData>("/dashboard").then(setData, (e: Error) => setError(e.message));
  }, []);
  const ratings = data?.ratingHistogram?.filter((r) => r.rating !== null) ?? [];
  const years = yearBars(data ? (data.yearHistogram ?? data.moviesByYear) : []);
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      <ErrorMessage error={error} retry />
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
            {/* Only the ETL can load an unrated movie (the add form asks for a rating), so the card shows when there are some. */}
            {typeof data.unratedMovies === "number" && data.unratedMovies > 0 && (
              <div className="stat">
                <span className="stat-value" data-testid="unrated-movies">{data.unratedMovies}</span>
                <span className="stat-label">{data.unratedMovies === 1 ? "movie" : "movies"} without a rating</span>
              </div>
            )}
            {data.newest && (
              <div className="stat stat-newest">
                <Link href={`/movies/${data.newest.id}?from=%2F`} className="stat-title" data-testid="newest-movie">
                  {data.newest.title}
                </Link>
                <span className="stat-label">Newest addition</span>
                <span className="stat-when muted">
                  added <When iso={data.newest.created_at} />
                </span>
              </div>
            )}
          </div>
          <div className="charts">
            <BarChart title="Top genres" testId="chart-genres" unit="movies" labelHeader="Genre"
              note={`The ${data.topGenres.length} genres with the most movies; select one to browse it.`}
              bars={data.topGenres.map((g) => ({ label: g.genre, value: g.count, href: byGenre(g.genre) }))} />
            <Histogram title="Movies by year" testId="chart-years" unit="movies" labelHeader={years.size === 1 ? "Year" : "Years"}
              note={`${data.yearHistogram ? "Every year in the library" : "The 20 latest years"}${
                years.size === 10 ? ", by decade" : years.size === 5 ? ", in 5-year spans" : ""}.`}
              bars={years.bars} />
            {ratings.length > 0 && (
              <Histogram title="Movies by rating" testId="chart-ratings" unit="movies" labelHeader="Rating"
                note={`Ratings 0 to 10, in steps of one${data.unratedMovies ? `; ${data.unratedMovies} not rated` : ""}.`}
                bars={ratings.map((r) => ({ label: ratingLabel(r.rating as number), value: r.count }))} />
            )}
          </div>
        </>
      )}
    </section>
  );
}
