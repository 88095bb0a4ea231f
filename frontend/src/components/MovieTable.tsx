import type { ReactNode } from "react";
import type { Movie } from "../lib/api";
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

export function MovieTable({ movies, caption, term = "" }: { movies: Movie[]; caption: string; term?: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Genre</th>
            <th scope="col">Rating</th>
            <th scope="col">Year</th>
          </tr>
        </thead>
        <tbody>
          {movies.map((movie) => (
            <tr key={movie.id}>
              <td>
                <Link href={`/movies/${movie.id}`}>{highlight(movie.title, term)}</Link>
              </td>
              <td>{movie.genre}</td>
              <td>{movie.rating ?? "–"}</td>
              <td>{movie.year ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
