// The list pages follow libraryChanged (issue 22): the rows shown are read again in place, as many as
// were loaded, with the same filters, order and page.
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { stubApi } from "../test-session";
import { Browse } from "./Browse";
import { Search } from "./Search";
import { TopRated } from "./TopRated";

const heard: { current: (() => void) | null } = { current: null };

vi.mock("../lib/libraryLive", async (original) => ({
  ...(await original<typeof import("../lib/libraryLive")>()),
  useLibraryChanges: (onChanges: () => void) => {
    heard.current = onChanges;
  },
}));

const movie = (n: number, title = `Movie ${n}`) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, title, genre: "Drama", rating: 7, year: 2000 + (n % 20), created_at: "2026-01-01T00:00:00Z" });
let titleOf3 = "Movie 3";

function page(url: string) {
  const params = new URL(url, "http://x").searchParams;
  const start = params.get("cursor") ? Number(params.get("cursor")) : 0;
  const limit = Number(params.get("limit"));
  const movies = Array.from({ length: Math.min(limit, 50 - start) }, (_, i) => movie(start + i, start + i === 3 ? titleOf3 : undefined));
  const end = start + movies.length;
  return { movies, next: end < 50 ? String(end) : null };
}

let calls: string[] = [];

beforeEach(() => {
  heard.current = null;
  titleOf3 = "Movie 3";
  calls = stubApi((url) => {
    if (url.startsWith("/api/genres")) return { genres: [{ genre: "Drama", count: 30 }] };
    if (url.startsWith("/api/dashboard")) return { totalMovies: 50, unratedMovies: 0 };
    const { movies, next } = page(url);
    const pagination = { limit: movies.length, nextCursor: next, hasMore: next !== null, total: 50 };
    return url.startsWith("/api/movies/filter") ? { movies, totalCount: 50, filters: {}, pagination }
      : url.startsWith("/api/movies/search") ? { movies, totalCount: 50, pagination }
      : { movies, pagination };
  });
});

test("Browse reads again as many rows as were loaded, with the same filters and order", async () => {
  window.history.replaceState(null, "", "/browse?genre=Drama&sort=year&order=asc");
  render(<Browse />);
  await userEvent.click(await screen.findByRole("button", { name: "Load more" }));
  await waitFor(() => expect(screen.getByTestId("filter-count")).toHaveTextContent("showing 40"));
  titleOf3 = "Renamed meanwhile";
  calls.length = 0;
  act(() => heard.current?.());
  expect(await screen.findByText("Renamed meanwhile")).toBeInTheDocument();
  expect(calls).toEqual(["/api/movies/filter?genre=Drama&sort=year&order=asc&limit=40"]);
  expect(screen.getByTestId("filter-count")).toHaveTextContent("showing 40");
  expect(window.location.search).toBe("?genre=Drama&sort=year&order=asc");
});

test("Top rated reads again the rows loaded so far", async () => {
  window.history.replaceState(null, "", "/top");
  render(<TopRated />);
  await userEvent.click(await screen.findByRole("button", { name: "Load more" }));
  await waitFor(() => expect(screen.getByTestId("top-progress")).toHaveTextContent("Showing 40 of 50"));
  titleOf3 = "Renamed meanwhile";
  calls.length = 0;
  act(() => heard.current?.());
  expect(await screen.findByText("Renamed meanwhile")).toBeInTheDocument();
  expect(calls).toContain("/api/movies/top-rated?limit=40");
  expect(screen.getByTestId("top-progress")).toHaveTextContent("Showing 40 of 50");
});

test("Search reads the same rows again, as many as were loaded", async () => {
  window.history.replaceState(null, "", "/search?q=zz");
  render(<Search />);
  expect(await screen.findByText("Movie 3")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Load more" }));
  expect(await screen.findByText("Movie 39")).toBeInTheDocument();
  titleOf3 = "Renamed meanwhile";
  calls.length = 0;
  act(() => heard.current?.());
  expect(await screen.findByText("Renamed meanwhile")).toBeInTheDocument();
  expect(calls).toEqual(["/api/movies/search?title=zz&limit=40"]);
  expect(window.location.search).toBe("?q=zz");
  expect(screen.getAllByRole("row")).toHaveLength(41);
});
