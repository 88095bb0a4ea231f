// Browse's filters: the URL holds only valid values; what is typed is checked here first, so the
// API is never asked for year=2 on the way to 2004.
import { query } from "./api";

export interface Filters {
  genres: string[];
  minRating: string;
  year: string;
  sort?: Sort; // left out: the API's order (rating, highest first)
}

// A list's order, as the API takes it (sort=title|rating|year, order=asc|desc). No rating or year
// comes last either way.
export type SortColumn = "title" | "rating" | "year";
export type SortOrder = "asc" | "desc";
export interface Sort {
  column: SortColumn;
  order: SortOrder;
}

const COLUMNS: readonly SortColumn[] = ["title", "rating", "year"];

// A first click sorts titles A to Z and ratings and years highest first (the API's defaults).
export function defaultOrder(column: SortColumn): SortOrder {
  return column === "title" ? "asc" : "desc";
}

// The same column again turns the order round; another column starts in its own default order.
export function nextSort(current: Sort, column: SortColumn): Sort {
  return current.column === column
    ? { column, order: current.order === "asc" ? "desc" : "asc" }
    : { column, order: defaultOrder(column) };
}

// The order a URL asks for; anything unknown (an old or edited link) is the page's own default.
export function sortFromUrl(search: URLSearchParams): Sort | undefined {
  const column = search.get("sort");
  if (!COLUMNS.includes(column as SortColumn)) return undefined;
  const order = search.get("order");
  return { column: column as SortColumn, order: order === "asc" || order === "desc" ? order : defaultOrder(column as SortColumn) };
}

// URL and API parameters for an order; nothing for the page's default, so plain links stay plain.
export function sortParams(sort: Sort | undefined, fallback: Sort): { sort?: SortColumn; order?: SortOrder } {
  if (!sort || (sort.column === fallback.column && sort.order === fallback.order)) return {};
  return { sort: sort.column, order: sort.order };
}

export const BROWSE_ORDER: Sort = { column: "rating", order: "desc" };
export const SEARCH_ORDER: Sort = { column: "title", order: "asc" };

export function filtersFromUrl(search: URLSearchParams): Filters {
  const filters: Filters = { genres: search.getAll("genre"), minRating: search.get("minRating") ?? "", year: search.get("year") ?? "" };
  const sort = sortFromUrl(search);
  if (sort) filters.sort = sort;
  return filters;
}

export function filtersToUrl(filters: Filters): string {
  return `/browse${query({ genre: filters.genres, minRating: filters.minRating, year: filters.year, ...sortParams(filters.sort, BROWSE_ORDER) })}`;
}

// null: fine (or empty); "incomplete": may still become valid while typing; otherwise the problem.
export function ratingProblem(text: string): string | null {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d{1,2}(\.\d+)?$/.test(value) || Number(value) > 10) return "Enter a minimum rating from 0 to 10.";
  return null;
}

export function yearProblem(text: string): string | null | "incomplete" {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d+$/.test(value)) return "Enter a year as four digits, like 2019.";
  if (value.length < 4) return "incomplete";
  if (value.length > 4 || Number(value) < 1900 || Number(value) > 2100) return "Enter a year from 1900 to 2100.";
  return null;
}
