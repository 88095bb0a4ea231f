import { MOVIE_INPUT } from "./generated/schema";
import { toPayload, validateMovie } from "./validation";

const good = { title: "Glass Harbor", genre: "Drama", rating: "7.7", year: "2024" };

describe("validateMovie follows the generated MovieInput limits", () => {
  it("accepts a movie at every limit", () => {
    const title = "t".repeat(MOVIE_INPUT.title.maxLength);
    const genre = "g".repeat(MOVIE_INPUT.genre.maxLength);
    expect(validateMovie({ title, genre, rating: String(MOVIE_INPUT.rating.maximum), year: String(MOVIE_INPUT.year.minimum) })).toEqual({});
    expect(validateMovie({ ...good, rating: String(MOVIE_INPUT.rating.minimum), year: String(MOVIE_INPUT.year.maximum) })).toEqual({});
  });

  it("refuses one past each limit, naming the limit", () => {
    const errors = validateMovie({
      title: "t".repeat(MOVIE_INPUT.title.maxLength + 1),
      genre: "g".repeat(MOVIE_INPUT.genre.maxLength + 1),
      rating: String(MOVIE_INPUT.rating.maximum + 1),
      year: String(MOVIE_INPUT.year.minimum - 1),
    });
    expect(errors.title).toContain(String(MOVIE_INPUT.title.maxLength));
    expect(errors.genre).toContain(String(MOVIE_INPUT.genre.maxLength));
    expect(errors.rating).toContain(String(MOVIE_INPUT.rating.maximum));
    expect(errors.year).toContain(String(MOVIE_INPUT.year.minimum));
    expect(validateMovie({ ...good, year: String(MOVIE_INPUT.year.maximum + 1) }).year).toContain(String(MOVIE_INPUT.year.maximum));
  });

  it("allows the decimals of the rating's multipleOf and no more", () => {
    expect(MOVIE_INPUT.rating.multipleOf).toBe(0.1);
    expect(validateMovie({ ...good, rating: "7.5" })).toEqual({});
    expect(validateMovie({ ...good, rating: "7.55" }).rating).toBe("Use at most one decimal, like 7.5.");
  });

  it("reports blank and malformed fields, and sends numbers", () => {
    expect(validateMovie({ title: " ", genre: "", rating: "high", year: "19x" })).toEqual({
      title: "Enter a title.",
      genre: "Enter a genre.",
      rating: "Enter the rating as a number, like 7.5.",
      year: "Enter a four-digit year.",
    });
    expect(toPayload({ ...good, title: " Glass Harbor " })).toEqual({ title: "Glass Harbor", genre: "Drama", rating: 7.7, year: 2024 });
  });

  it("refuses what the server cannot store (C0 and C1 controls, lone surrogates), as the contract says", () => {
    for (const bad of ["\u0007", "\u007f", "\u0085", "\u009f", "\ud800", "\udfff"]) {
      expect(validateMovie({ ...good, title: `Glass${bad}Harbor` }).title).toBe("The title cannot contain control characters.");
      expect(validateMovie({ ...good, genre: `Dra${bad}ma` }).genre).toBe("The genre cannot contain control characters.");
    }
    // A surrogate pair is one character (an emoji), not two lone halves; U+00A0 is past the C1 range.
    expect(validateMovie({ ...good, title: "Glass Harbor \ud83c\udfac", genre: "Dra\u00a0ma" })).toEqual({});
  });

  it("refuses invisible and text-direction characters (a blank or reversed title), as the contract says", () => {
    for (const bad of ["\u200b", "\u202e", "\u2066", "\u2069", "\u200f", "\ufeff", "\u2060"]) {
      expect(validateMovie({ ...good, title: `Glass${bad}Harbor` }).title)
        .toBe("The title cannot contain invisible or text-direction characters.");
      expect(validateMovie({ ...good, genre: `Dra${bad}ma` }).genre)
        .toBe("The genre cannot contain invisible or text-direction characters.");
    }
    // Joiners stay: emoji sequences and scripts need them.
    expect(validateMovie({ ...good, title: "Family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67" })).toEqual({});
  });
});

test("a half-typed or misspelt genre is matched to the library's, a case variant is not new", async () => {
  const { didYouMean, genreMatches, isKnownGenre } = await import("./validation");
  const genres = ["Drama", "Thriller", "Sci-Fi", "Documentary"];
  expect(didYouMean("Thr", genres)).toBe("Thriller");
  expect(didYouMean("Thriler", genres)).toBe("Thriller");
  expect(didYouMean("Mumblecore", genres)).toBeNull();
  expect(didYouMean(" drama ", genres)).toBeNull();
  expect(isKnownGenre(" drama ", genres)).toBe(true);
  expect(genreMatches("r", genres)).toEqual(["Drama", "Thriller", "Documentary"]);
});
