import "@testing-library/jest-dom/vitest";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { stubApi } from "./test-session";

// The "/" shortcut must work the moment a page is on screen. Registered in a passive effect it did not:
// React runs those after the browser has painted, and a "/" typed into that gap (Playwright did, on a busy
// CI machine) was lost. Here the key is pressed in the microtask right after React's first commit, before
// any passive effect can have run.
test('"/" pressed as soon as the first page is in the DOM opens Search', async () => {
  stubApi(() => ({ movies: [], totalCount: 0, pagination: { limit: 20, nextCursor: null, hasMore: false } }));
  window.history.replaceState(null, "", "/top");
  const actEnvironment = (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT;
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  try {
    const pressed = new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        if (!container.querySelector("h1")) return;
        observer.disconnect();
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "/", bubbles: true, cancelable: true }));
        resolve();
      });
      observer.observe(container, { childList: true, subtree: true });
    });
    root.render(<App />);
    await pressed;
    expect(window.location.pathname).toBe("/search");
  } finally {
    root.unmount();
    container.remove();
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = actEnvironment;
  }
});

test("the brand in the header is a link home (review UX 5)", async () => {
  const { render, screen } = await import("@testing-library/react");
  const userEvent = (await import("@testing-library/user-event")).default;
  stubApi((url) => (url.startsWith("/api/dashboard")
    ? { totalMovies: 0, averageRating: null, topGenres: [], moviesByYear: [], unratedMovies: 0, newest: null }
    : { movies: [], totalCount: 0, pagination: { limit: 20, nextCursor: null, hasMore: false, total: 0 } }));
  window.history.replaceState(null, "", "/top");
  render(<App />);
  const brand = await screen.findByRole("link", { name: "Movie Library Explorer" });
  expect(brand).toHaveAttribute("href", "/");
  await userEvent.click(brand);
  expect(window.location.pathname).toBe("/");
});
