// The add form's rules: MovieInput's limits from src/api/openapi.json, generated into ./generated/schema.ts.
import { FORBIDDEN_CHARACTERS, MOVIE_INPUT, type MovieInput } from "./generated/schema";

export interface MovieDraft {
  title: string;
  genre: string;
  rating: string;
  year: string;
}

export type FieldErrors = Partial<Record<keyof MovieDraft, string>>;

const { title: TITLE, genre: GENRE, rating: RATING, year: YEAR } = MOVIE_INPUT;
// Decimal places a rating may have: those of the schema's multipleOf (0.1 → 1).
const DECIMALS = (String(RATING.multipleOf).split(".")[1] ?? "").length;
const RATING_FORMAT = new RegExp(DECIMALS ? `^\\d+(\\.\\d{1,${DECIMALS}})?$` : "^\\d+$");

function textProblem(value: string, label: string, max: number): string | undefined {
  if (!value) return `Enter a ${label}.`;
  if (value.length > max) return `The ${label} can be at most ${max} characters.`;
  const forbidden = FORBIDDEN_CHARACTERS.exec(value);
  if (forbidden) {
    // Past C1 the class holds invisible and bidirectional formatting characters (a blank or reversed title).
    const kind = /[\u0000-\u009f\ud800-\udfff]/.test(forbidden[0]) ? "control characters"
      : "invisible or text-direction characters";
    return `The ${label} cannot contain ${kind}.`;
  }
  return undefined;
}

function ratingProblem(rating: string): string | undefined {
  if (rating === "") return `Enter a rating from ${RATING.minimum} to ${RATING.maximum}.`;
  if (!/^[-+]?\d+(\.\d+)?$/.test(rating)) return "Enter the rating as a number, like 7.5.";
  if (Number(rating) < RATING.minimum || Number(rating) > RATING.maximum) {
    return `The rating must be between ${RATING.minimum} and ${RATING.maximum}.`;
  }
  if (!RATING_FORMAT.test(rating)) return DECIMALS === 1 ? "Use at most one decimal, like 7.5." : `Use at most ${DECIMALS} decimals.`;
  return undefined;
}

function yearProblem(year: string): string | undefined {
  if (year === "") return "Enter a year.";
  if (!/^-?\d+$/.test(year)) return "Enter a four-digit year.";
  if (Number(year) < YEAR.minimum || Number(year) > YEAR.maximum) {
    return `The year must be between ${YEAR.minimum} and ${YEAR.maximum}.`;
  }
  return undefined;
}

export function validateMovie(draft: MovieDraft): FieldErrors {
  const problems: FieldErrors = {
    title: textProblem(draft.title.trim(), "title", TITLE.maxLength),
    genre: textProblem(draft.genre.trim(), "genre", GENRE.maxLength),
    rating: ratingProblem(draft.rating.trim()),
    year: yearProblem(draft.year.trim()),
  };
  return Object.fromEntries(Object.entries(problems).filter(([, problem]) => problem)) as FieldErrors;
}

export function toPayload(draft: MovieDraft): MovieInput {
  return {
    title: draft.title.trim(),
    genre: draft.genre.trim(),
    rating: Number(draft.rating),
    year: Number(draft.year),
  };
}

// "drama " and "Drama", or "Sci  Fi" and "sci fi", are the same genre written differently.
export function genreKey(genre: string): string {
  return genre.trim().replace(/\s+/g, " ").toLowerCase();
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

export function isKnownGenre(typed: string, existing: string[]): boolean {
  const key = genreKey(typed);
  return existing.some((g) => genreKey(g) === key);
}

// Existing genres for the combobox: those starting with what is typed first, then those containing it.
export function genreMatches(typed: string, existing: string[], limit = 8): string[] {
  const key = genreKey(typed);
  if (!key) return existing.slice(0, limit);
  const starts = existing.filter((g) => genreKey(g).startsWith(key));
  const contains = existing.filter((g) => !genreKey(g).startsWith(key) && genreKey(g).includes(key));
  return [...starts, ...contains].slice(0, limit);
}

// A new genre that is probably a half-typed or misspelt existing one ("Thr", "Thriler" → "Thriller").
export function didYouMean(typed: string, existing: string[]): string | null {
  const key = genreKey(typed);
  if (!key || isKnownGenre(typed, existing)) return null;
  const prefix = existing.filter((g) => genreKey(g).startsWith(key)).sort((a, b) => a.length - b.length)[0];
  if (prefix) return prefix;
  const allowed = Math.max(1, Math.floor(key.length / 4));
  let best: string | null = null;
  let bestDistance = allowed + 1;
  for (const g of existing) {
    const d = editDistance(key, genreKey(g));
    if (d < bestDistance) [best, bestDistance] = [g, d];
  }
  return best;
}

export function similarGenre(typed: string, existing: string[]): string | null {
  const key = genreKey(typed);
  if (!key) return null;
  const match = existing.find((g) => genreKey(g) === key);
  return match && match !== typed.trim() ? match : null;
}
