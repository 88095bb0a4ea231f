// Search (issues 25 and 27): one paging model ("Load more", 20 at a time) with the rows kept dimmed while
// more load; "Did you mean" links; title suggestions as an ARIA combobox (debounced, the older request
// aborted, keyboard-navigable).
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { stubApi } from "../test-session";
import { Search } from "./Search";

const movie = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, title: `Movie ${n}`, genre: "Drama", rating: 7, year: 2000 + (n % 20), created_at: "2026-01-01T00:00:00Z" });

let calls: string[] = [];
let signals: Map<string, AbortSignal | null | undefined>;
let answer: (url: string) => unknown;

function rows(url: string) {
  const params = new URL(url, "http://x").searchParams;
  const start = Number(params.get("cursor") ?? 0);
  const limit = Number(params.get("limit"));
  const movies = Array.from({ length: Math.min(limit, 30 - start) }, (_, i) => movie(start + i));
  const end = start + movies.length;
  return { movies, pagination: { limit, nextCursor: end < 30 ? String(end) : null, hasMore: end < 30 } };
}

beforeEach(() => {
  signals = new Map();
  answer = rows;
  calls = stubApi((url, init) => {
    signals.set(url, init?.signal);
    if (url.startsWith("/api/movies/top-rated")) return { movies: [], pagination: { limit: 10, nextCursor: null, hasMore: false, total: 0 } };
    return answer(url);
  });
});

test("Load more adds the next 20 rows below the first, keeps them while loading and moves focus to the first new row", async () => {
  window.history.replaceState(null, "", "/search?q=movie");
  render(<Search />);
  expect(await screen.findByTestId("search-count")).toHaveTextContent("More than 20 movies, showing 20");
  expect(calls).toContain("/api/movies/search?title=movie&limit=20"); // best match first: no sort sent
  let release: () => void = () => undefined;
  answer = (url) => new Promise((resolve) => (release = () => resolve(rows(url))));
  await userEvent.click(screen.getByRole("button", { name: "Load more" }));
  expect(screen.getByTestId("results")).toHaveAttribute("aria-busy", "true");
  expect(screen.getByTestId("results")).toHaveClass("stale");
  expect(screen.getAllByRole("row")).toHaveLength(21); // the rows shown stay while the next ones load
  expect(calls.at(-1)).toBe("/api/movies/search?title=movie&limit=20&cursor=20");
  act(() => release());
  expect(await screen.findByRole("link", { name: "Movie 29" })).toBeInTheDocument();
  expect(screen.getAllByRole("row")).toHaveLength(31);
  expect(screen.getByTestId("search-count")).toHaveTextContent("30 movies");
  expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  await waitFor(() => expect(document.activeElement).toHaveTextContent("Movie 20"));
  expect(window.location.search).toBe("?q=movie"); // the rows ride in the history entry, not the URL
});

test("didYouMean titles are links to a search for them; a response without it shows none", async () => {
  answer = (url) => (url.includes("godfater")
    ? { movies: [], pagination: { limit: 20, nextCursor: null, hasMore: false }, didYouMean: ["The Godfather", "Godzilla"] }
    : rows(url));
  window.history.replaceState(null, "", "/search?q=godfater");
  render(<Search />);
  const hint = await screen.findByTestId("did-you-mean");
  expect(hint).toHaveTextContent("Did you mean The Godfather or Godzilla?");
  const link = screen.getByRole("link", { name: "The Godfather" });
  expect(link).toHaveAttribute("href", "/search?q=The+Godfather");
  await userEvent.click(link);
  await waitFor(() => expect(window.location.search).toBe("?q=The+Godfather"));
  expect(await screen.findByRole("link", { name: "Movie 1" })).toBeInTheDocument();
  expect(screen.queryByTestId("did-you-mean")).not.toBeInTheDocument();
});

test("titles are suggested after a pause for 2+ characters; a newer request aborts the older", async () => {
  const pending = new Set<string>();
  answer = (url) => {
    if (!url.includes("limit=8")) return rows(url);
    if (url.includes("title=go&")) {
      pending.add(url);
      return new Promise(() => undefined); // never answers: only an abort ends it
    }
    return { movies: [movie(7), movie(8)], pagination: { limit: 8, nextCursor: null, hasMore: false } };
  };
  window.history.replaceState(null, "", "/search");
  render(<Search />);
  const box = screen.getByRole("combobox", { name: "Title contains" });
  await userEvent.type(box, "g");
  await new Promise((r) => setTimeout(r, 300));
  expect(calls.some((c) => c.includes("limit=8"))).toBe(false); // one character asks for nothing
  await userEvent.type(box, "o");
  await waitFor(() => expect(pending.size).toBe(1));
  const first = signals.get("/api/movies/search?title=go&limit=8");
  expect(first?.aborted).toBe(false);
  await userEvent.type(box, "d");
  await waitFor(() => expect(calls).toContain("/api/movies/search?title=god&limit=8"));
  expect(first?.aborted).toBe(true);
  expect(await screen.findByRole("option", { name: /Movie 7/ })).toBeInTheDocument();
  expect(box).toHaveAttribute("aria-expanded", "true");
  expect(box).toHaveAttribute("aria-controls", "title-suggestions");
});

test("ArrowDown and ArrowUp move through the suggestions, Enter opens the movie, Escape closes and keeps the text", async () => {
  answer = (url) => (url.includes("limit=8")
    ? { movies: [movie(7), movie(8)], pagination: { limit: 8, nextCursor: null, hasMore: false } }
    : rows(url));
  window.history.replaceState(null, "", "/search");
  render(<Search />);
  const box = screen.getByRole("combobox", { name: "Title contains" });
  await userEvent.type(box, "mo");
  await screen.findByRole("option", { name: /Movie 7/ });
  expect(box).not.toHaveAttribute("aria-activedescendant");
  await userEvent.keyboard("{ArrowDown}");
  expect(box).toHaveAttribute("aria-activedescendant", "title-option-0");
  expect(screen.getByRole("option", { name: /Movie 7/ })).toHaveAttribute("aria-selected", "true");
  await userEvent.keyboard("{ArrowDown}");
  expect(box).toHaveAttribute("aria-activedescendant", "title-option-1");
  await userEvent.keyboard("{ArrowUp}");
  expect(box).toHaveAttribute("aria-activedescendant", "title-option-0");
  await userEvent.keyboard("{Escape}");
  expect(box).toHaveAttribute("aria-expanded", "false");
  expect(screen.queryByRole("option")).not.toBeInTheDocument();
  expect(box).toHaveValue("mo");
  await userEvent.keyboard("{ArrowDown}{ArrowDown}");
  expect(box).toHaveAttribute("aria-activedescendant", "title-option-1");
  await userEvent.keyboard("{Enter}");
  expect(window.location.pathname).toBe(`/movies/${movie(8).id}`);
  expect(new URLSearchParams(window.location.search).get("from")).toBe("/search?q=mo");
});

test("a link spelling the space as %20 shows its rows (the URL becomes the one the rows are keyed by)", async () => {
  window.history.replaceState(null, "", "/search?q=movie%20one");
  render(<Search />);
  expect(await screen.findByRole("link", { name: "Movie 0" })).toBeInTheDocument();
  expect(window.location.search).toBe("?q=movie+one");
});
