import { type ReactNode, useEffect } from "react";
import { formatRating, type Movie } from "../lib/api";
import { Link } from "./Link";

export function highlight(text: string, term: string): ReactNode {
  const needle = term.trim();
  if (!needle) return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  const target = needle.toLowerCase();
  let from = 0;
  let at = lower.indexOf(target);
  while (at !== -1) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(<mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
    at = lower.indexOf(target, from);
  }
  parts.push(text.slice(from));
  return parts;
}

export type SortedBy = "title" | "rating";

// The order is the API's (keyset paging); the header says which column it follows.
export function MovieTable({ movies, caption, term = "", sortedBy, linkState, focusIndex = null }: {
  movies: Movie[];
  caption: string;
  term?: string;
  sortedBy?: SortedBy;
  linkState?: string; // the list's URL, where the detail page's "back" link returns
  focusIndex?: number | null; // after "Load more": the first new row, so keyboard users continue there
}) {
  useEffect(() => {
    if (focusIndex !== null) document.querySelector<HTMLAnchorElement>(`tr[data-row="${focusIndex}"] a`)?.focus();
  }, [focusIndex]);
  const sort = (column: SortedBy) =>
    sortedBy === column ? (column === "rating" ? "descending" : "ascending") : undefined;
  const from = linkState ? `?from=${encodeURIComponent(linkState)}` : "";
  return (
    <div className="table-wrap">
      <table className="movies">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={sort("title")}>Title{sortedBy === "title" && <span aria-hidden="true"> ↑</span>}</th>
            <th scope="col" className="col-genre">Genre</th>
            <th scope="col" aria-sort={sort("rating")} className="num">
              Rating{sortedBy === "rating" && <span aria-hidden="true"> ↓</span>}
            </th>
            <th scope="col" className="num">Year</th>
          </tr>
        </thead>
        <tbody>
          {movies.map((movie, i) => (
            <tr key={movie.id} data-row={i}>
              <td>
                <Link href={`/movies/${movie.id}${from}`}>{highlight(movie.title, term)}</Link>
                <span className="genre-under">{movie.genre}</span>
              </td>
              <td className="col-genre">{movie.genre}</td>
              <td className="num">{formatRating(movie.rating) ?? <span className="muted">not rated</span>}</td>
              <td className="num">{movie.year ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
