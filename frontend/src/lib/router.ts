// A small history-API router. The path and query string are the app's navigation state; each
// history entry also keeps what a page loaded (e.g. "Load more" rows) and its scroll position, so
// Back shows the page as it was left.
import { useCallback, useEffect, useState } from "react";

const CHANGE = "mle:navigate";

if (typeof window !== "undefined" && "scrollRestoration" in window.history) {
  window.history.scrollRestoration = "manual";
}

function entryState(): Record<string, unknown> {
  const state = window.history.state;
  return state && typeof state === "object" ? (state as Record<string, unknown>) : {};
}

export function saveEntryState(key: string, value: unknown): void {
  window.history.replaceState({ ...entryState(), [key]: value }, "", window.location.href);
}

export function readEntryState<T>(key: string): T | undefined {
  return entryState()[key] as T | undefined;
}

export function navigate(to: string, replace = false, state: Record<string, unknown> = {}): void {
  if (replace) {
    window.history.replaceState({ ...entryState(), ...state }, "", to);
  } else {
    saveEntryState("scrollY", window.scrollY);
    window.history.pushState(state, "", to);
    window.scrollTo(0, 0);
  }
  window.dispatchEvent(new Event(CHANGE));
}

export function useLocation(): { path: string; search: URLSearchParams; href: string } {
  const read = () => ({
    path: window.location.pathname,
    search: new URLSearchParams(window.location.search),
    href: window.location.pathname + window.location.search,
  });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return location;
}

// After Back/Forward, once the page's content is back (ready), return to where the person was.
export function useRestoreScroll(ready: boolean): void {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!ready || done) return;
    setDone(true);
    const y = readEntryState<number>("scrollY");
    if (typeof y === "number" && y > 0) window.requestAnimationFrame(() => window.scrollTo(0, y));
  }, [ready, done]);
}

// State kept in the current history entry (survives Back/Forward and reload, not a new visit).
export function useEntryState<T>(key: string, initial: () => T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readEntryState<T>(key) ?? initial());
  const set = useCallback(
    (next: T) => {
      saveEntryState(key, next);
      setValue(next);
    },
    [key],
  );
  return [value, set];
}

export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · Movie Library Explorer` : "Movie Library Explorer";
  }, [title]);
}
