import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { stubApi } from "../test-session";
import { Browse, filtersFromUrl, filtersToUrl } from "./Browse";

let calls: string[] = [];

beforeEach(() => {
  calls = stubApi((url) => url.startsWith("/api/genres")
    ? { genres: [{ genre: "Drama", count: 6 }, { genre: "Sci-Fi", count: 4 }, { genre: "War", count: 2 }] }
    : { movies: [], totalCount: 10, filters: {}, pagination: { limit: 20, nextCursor: null, hasMore: false } });
});

test("filters round-trip through the URL", () => {
  const url = filtersToUrl({ genres: ["Drama", "Sci-Fi"], minRating: "7", year: "" });
  expect(url).toBe("/browse?genre=Drama&genre=Sci-Fi&minRating=7");
  expect(filtersFromUrl(new URL(url, "http://x").searchParams)).toEqual({ genres: ["Drama", "Sci-Fi"], minRating: "7", year: "" });
});

test("choosing genres and clearing the rating updates the URL and the query", async () => {
  window.history.replaceState(null, "", "/browse?minRating=8");
  render(<Browse />);
  await userEvent.click(await screen.findByLabelText(/Drama/));
  await userEvent.click(screen.getByLabelText(/Sci-Fi/));
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&genre=Sci-Fi&minRating=8"));
  await userEvent.click(screen.getByRole("button", { name: "Clear rating" }));
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&genre=Sci-Fi"));
  await waitFor(() => expect(calls.at(-1)).toBe("/api/movies/filter?genre=Drama&genre=Sci-Fi&limit=20"));
  expect(screen.getByLabelText("Minimum rating")).toHaveValue("");
  expect(await screen.findByTestId("filter-count")).toHaveTextContent(/^10 movies/);
});

test("a shared link opens with its filters applied", async () => {
  window.history.replaceState(null, "", "/browse?genre=War&year=2021");
  render(<Browse />);
  expect(await screen.findByLabelText(/War/)).toBeChecked();
  expect(screen.getByLabelText("Year")).toHaveValue("2021");
  await waitFor(() => expect(calls).toContain("/api/movies/filter?genre=War&year=2021&limit=20"));
});

test("a year is sent only when it is complete, and a wrong rating hides the results instead of asking the API", async () => {
  window.history.replaceState(null, "", "/browse?genre=Drama&minRating=8");
  render(<Browse />);
  expect(await screen.findByTestId("filter-count")).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Year"), "2004");
  await waitFor(() => expect(window.location.search).toBe("?genre=Drama&minRating=8&year=2004"));
  // The request follows the URL change in an effect: wait for it rather than read the log at once.
  const years = () => calls.filter((c) => c.includes("year=")).map((c) => new URL(c, "http://x").searchParams.get("year"));
  await waitFor(() => expect(years()).toEqual(["2004"]));
  await userEvent.type(screen.getByLabelText("Minimum rating"), "1");
  expect(await screen.findByText("Enter a minimum rating from 0 to 10.")).toBeInTheDocument();
  expect(screen.queryByTestId("filter-count")).not.toBeInTheDocument();
  expect(calls.some((c) => c.includes("minRating=81"))).toBe(false);
  expect(window.location.search).toBe("?genre=Drama&minRating=8&year=2004");
});
