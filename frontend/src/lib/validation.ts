// The add form's rules, the same as the API's (src/shared/openapi.json MovieInput).
export interface MovieDraft {
  title: string;
  genre: string;
  rating: string;
  year: string;
}

export type FieldErrors = Partial<Record<keyof MovieDraft, string>>;

export function validateMovie(draft: MovieDraft): FieldErrors {
  const errors: FieldErrors = {};
  const title = draft.title.trim();
  const genre = draft.genre.trim();
  if (!title) errors.title = "Enter a title.";
  else if (title.length > 255) errors.title = "The title can be at most 255 characters.";
  if (!genre) errors.genre = "Enter a genre.";
  else if (genre.length > 100) errors.genre = "The genre can be at most 100 characters.";
  if (draft.rating.trim() === "") errors.rating = "Enter a rating from 0 to 10.";
  else if (!/^\d{1,2}(\.\d)?$/.test(draft.rating.trim())) errors.rating = "Use a number with at most one decimal, like 7.5.";
  else if (Number(draft.rating) > 10) errors.rating = "The rating must be between 0 and 10.";
  if (draft.year.trim() === "") errors.year = "Enter a year.";
  else if (!/^\d{4}$/.test(draft.year.trim())) errors.year = "Enter a four-digit year.";
  else if (Number(draft.year) < 1900 || Number(draft.year) > 2100) errors.year = "The year must be between 1900 and 2100.";
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
