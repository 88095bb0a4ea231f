// The add form's rules, the same as the API's (src/api/openapi.json MovieInput).
export interface MovieDraft {
  title: string;
  genre: string;
  rating: string;
  year: string;
}

export type FieldErrors = Partial<Record<keyof MovieDraft, string>>;

const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateMovie(draft: MovieDraft): FieldErrors {
  const errors: FieldErrors = {};
  const title = draft.title.trim();
  const genre = draft.genre.trim();
  if (!title) errors.title = "Enter a title.";
  else if (title.length > 255) errors.title = "The title can be at most 255 characters.";
  else if (CONTROL.test(title)) errors.title = "The title cannot contain control characters.";
  if (!genre) errors.genre = "Enter a genre.";
  else if (genre.length > 100) errors.genre = "The genre can be at most 100 characters.";
  else if (CONTROL.test(genre)) errors.genre = "The genre cannot contain control characters.";
  const rating = draft.rating.trim();
  if (rating === "") errors.rating = "Enter a rating from 0 to 10.";
  else if (!/^[-+]?\d+(\.\d+)?$/.test(rating)) errors.rating = "Enter the rating as a number, like 7.5.";
  else if (Number(rating) < 0 || Number(rating) > 10) errors.rating = "The rating must be between 0 and 10.";
  else if (!/^\d{1,2}(\.\d)?$/.test(rating)) errors.rating = "Use at most one decimal, like 7.5.";
  const year = draft.year.trim();
  if (year === "") errors.year = "Enter a year.";
  else if (!/^-?\d+$/.test(year)) errors.year = "Enter a four-digit year.";
  else if (Number(year) < 1900 || Number(year) > 2100) errors.year = "The year must be between 1900 and 2100.";
  return errors;
}

export function toPayload(draft: MovieDraft) {
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

export function similarGenre(typed: string, existing: string[]): string | null {
  const key = genreKey(typed);
  if (!key) return null;
  const match = existing.find((g) => genreKey(g) === key);
  return match && match !== typed.trim() ? match : null;
}
