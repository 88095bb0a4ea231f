import { type ReactNode, useEffect } from "react";
import { formatRating, type Movie } from "../lib/api";
import type { Sort, SortColumn, SortOrder } from "../lib/filters";
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

const ARROWS: Record<SortOrder, string> = { asc: "↑", desc: "↓" };

// A column header: a button when the list can be re-sorted by it (aria-sort on the th says how it is sorted now).
function Header({ column, label, sort, onSort, className }: {
  column: SortColumn;
  label: string;
  sort?: Sort;
  onSort?: (column: SortColumn) => void;
  className?: string;
}) {
  const active = sort?.column === column;
  const ariaSort = active ? (sort.order === "asc" ? "ascending" : "descending") : undefined;
  const arrow = active && <span aria-hidden="true" className="sort-arrow"> {ARROWS[sort.order]}</span>;
  return (
    <th scope="col" aria-sort={ariaSort} className={className}>
      {onSort ? (
        <button type="button" className="sort" data-sort={column} onClick={() => onSort(column)}>
          {label}{arrow}
        </button>
      ) : (
        <>{label}{arrow}</>
      )}
    </th>
  );
}

// The order is the API's (keyset paging); the header says which column it follows. With onSort, the
// title, rating and year headers are buttons that ask the page for another order.
export function MovieTable({ movies, caption, term = "", sortedBy, sort, onSort, focusSort = null, linkState, focusIndex = null, selection, ranked = false }: {
  movies: Movie[];
  caption: string;
  term?: string;
  sortedBy?: SortedBy; // a fixed order (Top rated): shown, not changeable
  sort?: Sort;
  onSort?: (column: SortColumn) => void;
  focusSort?: SortColumn | null; // after re-sorting: the header that was activated, so the keyboard stays there
  linkState?: string; // the list's URL, where the detail page's "back" link returns
  focusIndex?: number | null; // after "Load more": the first new row, so keyboard users continue there
  selection?: { selected: Set<string>; toggle: (id: string) => void }; // a librarian's rows to delete together
  ranked?: boolean; // a "Top" list: a first column with each row's place (#1, #2 …)
}) {
  useEffect(() => {
    if (focusIndex !== null) document.querySelector<HTMLAnchorElement>(`tr[data-row="${focusIndex}"] a`)?.focus();
  }, [focusIndex]);
  useEffect(() => {
    if (focusSort) document.querySelector<HTMLButtonElement>(`th button[data-sort="${focusSort}"]`)?.focus();
  }, [focusSort]);
  const shown: Sort | undefined = sort ?? (sortedBy ? { column: sortedBy, order: sortedBy === "rating" ? "desc" : "asc" } : undefined);
  const from = linkState ? `?from=${encodeURIComponent(linkState)}` : "";
  return (
    <div className="table-wrap">
      <table className={ranked ? "movies ranked" : "movies"}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {ranked && <th scope="col" className="num col-rank">Rank</th>}
            {selection && <th scope="col" className="col-select"><span className="visually-hidden">Select</span></th>}
            <Header column="title" label="Title" sort={shown} onSort={onSort} />
            <th scope="col" className="col-genre">Genre</th>
            <Header column="rating" label="Rating" sort={shown} onSort={onSort} className="num col-rating" />
            <Header column="year" label="Year" sort={shown} onSort={onSort} className="num col-year" />
          </tr>
        </thead>
        <tbody>
          {movies.map((movie, i) => (
            <tr key={movie.id} data-row={i}>
              {ranked && <td className="num col-rank" data-testid="rank">#{i + 1}</td>}
              {selection && (
                <td>
                  <input type="checkbox" aria-label={`Select ${movie.title}`} checked={selection.selected.has(movie.id)}
                    onChange={() => selection.toggle(movie.id)} />
                </td>
              )}
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
