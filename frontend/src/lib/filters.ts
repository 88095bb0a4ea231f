// Browse's filters: the URL holds only valid values; what is typed is checked here first, so the
// API is never asked for year=2 on the way to 2004.
import { query } from "./api";
import { DEFAULT_ORDER, type FilterMoviesQuery, QUERY_RULES } from "./generated/schema";

export interface Filters {
  genres: string[];
  minRating: string;
  year: string;
  sort?: Sort; // left out: the API's order (rating, highest first)
}

// A list's order, as the API takes it (its sort and order parameters, generated from the document). No
// rating or year comes last either way.
export type SortColumn = NonNullable<FilterMoviesQuery["sort"]>;
export type SortOrder = NonNullable<FilterMoviesQuery["order"]>;
export interface Sort {
  column: SortColumn;
  order: SortOrder;
}

const COLUMNS: readonly SortColumn[] = QUERY_RULES.filterMovies.sort.enum;
const ORDERS: readonly SortOrder[] = QUERY_RULES.filterMovies.order.enum;

// A first click sorts titles A to Z and ratings and years highest first (the API's defaults).
export function defaultOrder(column: SortColumn): SortOrder {
  return DEFAULT_ORDER[column];
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
  return { column: column as SortColumn, order: ORDERS.includes(order as SortOrder) ? (order as SortOrder) : defaultOrder(column as SortColumn) };
}

// URL and API parameters for an order; nothing for the page's default, so plain links stay plain.
export function sortParams(sort: Sort | undefined, fallback: Sort): { sort?: SortColumn; order?: SortOrder } {
  if (!sort || (sort.column === fallback.column && sort.order === fallback.order)) return {};
  return { sort: sort.column, order: sort.order };
}

// Browse's order when none is asked for: the sort parameter's default, in that column's default order.
// (Search's default is the server's relevance order: it sends no sort at all.)
const BROWSE_COLUMN: SortColumn = QUERY_RULES.filterMovies.sort.default;
export const BROWSE_ORDER: Sort = { column: BROWSE_COLUMN, order: defaultOrder(BROWSE_COLUMN) };

const { minRating: MIN_RATING, year: YEAR } = QUERY_RULES.filterMovies;
// Whole-number digits a minimum rating may have, and the digits of a year: those of the largest allowed.
const RATING_FORMAT = new RegExp(`^\\d{1,${String(Math.trunc(MIN_RATING.maximum)).length}}(\\.\\d+)?$`);
const YEAR_DIGITS = String(YEAR.maximum).length;

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
  if (!RATING_FORMAT.test(value) || Number(value) < MIN_RATING.minimum || Number(value) > MIN_RATING.maximum) {
    return `Enter a minimum rating from ${MIN_RATING.minimum} to ${MIN_RATING.maximum}.`;
  }
  return null;
}

export function yearProblem(text: string): string | null | "incomplete" {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d+$/.test(value)) return "Enter a year as four digits, like 2019.";
  if (value.length < YEAR_DIGITS) return "incomplete";
  if (value.length > YEAR_DIGITS || Number(value) < YEAR.minimum || Number(value) > YEAR.maximum) return `Enter a year from ${YEAR.minimum} to ${YEAR.maximum}.`;
  return null;
}
