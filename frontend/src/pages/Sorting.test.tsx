// Issue 16: Browse and Search re-sort by title, rating or year from their column headers; the order
// lives in the URL (Back restores it) and a new order starts again at the first page.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { filtersFromUrl, filtersToUrl, nextSort, sortFromUrl } from "../lib/filters";
import { stubApi } from "../test-session";
import { Browse } from "./Browse";
import { Dashboard } from "./Dashboard";
import { Search } from "./Search";

let calls: string[] = [];
const movie = (n: number) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, title: `Movie ${n}`, genre: "Drama", rating: n, year: 2000 + n, created_at: "2026-01-01T00:00:00+00:00" });

beforeEach(() => {
  calls = stubApi((url) => {
    const page = { limit: 20, nextCursor: "abc", hasMore: true };
    return url.startsWith("/api/genres")
      ? { genres: [{ genre: "Drama", count: 6 }] }
      : url.startsWith("/api/dashboard")
        ? { totalMovies: 3, averageRating: 7.1, topGenres: [], moviesByYear: [], unratedMovies: 1,
            newest: { id: "00000000-0000-4000-8000-000000000009", title: "Just Added", created_at: "2026-11-27T13:00:00+00:00" } }
        : { movies: url.includes("cursor=") ? [movie(3), movie(4)] : [movie(1), movie(2)], totalCount: 40, filters: {}, pagination: page };
  });
});

test("the order rides in the URL: a first click takes the column's own direction, a second turns it round", () => {
  expect(nextSort({ column: "rating", order: "desc" }, "year")).toEqual({ column: "year", order: "desc" });
  expect(nextSort({ column: "rating", order: "desc" }, "title")).toEqual({ column: "title", order: "asc" });
  expect(nextSort({ column: "year", order: "desc" }, "year")).toEqual({ column: "year", order: "asc" });
  const url = filtersToUrl({ genres: ["Drama"], minRating: "", year: "", sort: { column: "year", order: "asc" } });
  expect(url).toBe("/browse?genre=Drama&sort=year&order=asc");
  expect(filtersFromUrl(new URL(url, "http://x").searchParams).sort).toEqual({ column: "year", order: "asc" });
  // The default order stays out of the URL; an unknown one is ignored.
  expect(filtersToUrl({ genres: [], minRating: "", year: "", sort: { column: "rating", order: "desc" } })).toBe("/browse");
  expect(sortFromUrl(new URLSearchParams("sort=genre&order=asc"))).toBeUndefined();
  expect(sortFromUrl(new URLSearchParams("sort=title"))).toEqual({ column: "title", order: "asc" });
});

test("Browse: the Year header re-sorts from the first page, says so with aria-sort, and keeps focus", async () => {
  window.history.replaceState(null, "", "/browse?genre=Drama");
  render(<Browse />);
  const rating = await screen.findByRole("columnheader", { name: /Rating/ });
  expect(rating).toHaveAttribute("aria-sort", "descending");
  await userEvent.click(await screen.findByRole("button", { name: "Load more" }));
  await waitFor(() => expect(calls.at(-1)).toContain("cursor=abc"));
  const year = within(screen.getByRole("columnheader", { name: /Year/ })).getByRole("button");
  await userEvent.click(year);
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&sort=year&order=desc"));
  await waitFor(() => expect(calls.at(-1)).toBe("/api/movies/filter?genre=Drama&sort=year&order=desc&limit=20"));
  await waitFor(() => expect(screen.getByRole("columnheader", { name: /Year/ })).toHaveAttribute("aria-sort", "descending"));
  expect(screen.getByRole("columnheader", { name: /Rating/ })).not.toHaveAttribute("aria-sort");
  await waitFor(() => expect(document.activeElement).toHaveAttribute("data-sort", "year"));
  await userEvent.keyboard("{Enter}");
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&sort=year&order=asc"));
  await waitFor(() => expect(screen.getByRole("columnheader", { name: /Year/ })).toHaveAttribute("aria-sort", "ascending"));
  act(() => window.history.back());
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&sort=year&order=desc"));
});

test("Search: best match first by default; a header click keeps the term and asks the API for that order", async () => {
  window.history.replaceState(null, "", "/search?q=movie&page=2&cursor=abc");
  render(<Search />);
  // A link from the Previous/Next days opens the same search from its first rows, best match first.
  await waitFor(() => expect(window.location.search).toBe("?q=movie"));
  await waitFor(() => expect(calls).toContain("/api/movies/search?title=movie&limit=20"));
  expect(screen.getByRole("button", { name: "Best match first" })).toHaveAttribute("aria-pressed", "true");
  const title = await screen.findByRole("columnheader", { name: /Title/ });
  expect(title).not.toHaveAttribute("aria-sort");
  await userEvent.click(within(screen.getByRole("columnheader", { name: /Rating/ })).getByRole("button"));
  await waitFor(() => expect(window.location.search).toBe("?q=movie&sort=rating&order=desc"));
  await waitFor(() => expect(calls.at(-1)).toBe("/api/movies/search?title=movie&sort=rating&order=desc&limit=20"));
  expect(screen.getByRole("button", { name: "Best match first" })).toHaveAttribute("aria-pressed", "false");
  await userEvent.click(within(screen.getByRole("columnheader", { name: /Title/ })).getByRole("button"));
  await waitFor(() => expect(window.location.search).toBe("?q=movie&sort=title&order=asc"));
  await userEvent.click(screen.getByRole("button", { name: "Best match first" }));
  await waitFor(() => expect(window.location.search).toBe("?q=movie"));
  await waitFor(() => expect(screen.getByRole("columnheader", { name: /Title/ })).not.toHaveAttribute("aria-sort"));
});

test("the dashboard links its newest addition", async () => {
  window.history.replaceState(null, "", "/");
  render(<Dashboard />);
  const link = await screen.findByTestId("newest-movie");
  expect(link).toHaveTextContent("Just Added");
  expect(link).toHaveAttribute("href", "/movies/00000000-0000-4000-8000-000000000009?from=%2F");
  expect(screen.getByText("Newest addition")).toBeInTheDocument();
  expect(screen.getByTestId("unrated-movies")).toHaveTextContent("1");
});
