// Browse's filters: the URL holds only valid values; what is typed is checked here first, so the
// API is never asked for year=2 on the way to 2004.
import { query } from "./api";

export interface Filters {
  genres: string[];
  minRating: string;
  year: string;
}

export function filtersFromUrl(search: URLSearchParams): Filters {
  return { genres: search.getAll("genre"), minRating: search.get("minRating") ?? "", year: search.get("year") ?? "" };
}

export function filtersToUrl(filters: Filters): string {
  return `/browse${query({ genre: filters.genres, minRating: filters.minRating, year: filters.year })}`;
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
