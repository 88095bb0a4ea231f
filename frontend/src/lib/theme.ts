// Light or dark: the system's choice unless the person picked one (kept in localStorage, applied as
// html[data-theme] before the first paint by main.tsx, so the page never flashes the other theme).
export type Theme = "light" | "dark";
const KEY = "mle.theme";

export function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null;
  }
}

export function shownTheme(): Theme {
  return storedTheme() ?? (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light");
}

export function applyTheme(theme: Theme | null): void {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

export function setTheme(theme: Theme): void {
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // storage refused: the choice lasts for this page
  }
  applyTheme(theme);
}
