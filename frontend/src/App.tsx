import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { Link } from "./components/Link";
import { Loading, RETRY } from "./components/Status";
import { SESSION_EXPIRED } from "./lib/api";
import { currentSession, ensureSession, type Session, SESSION_KEY, signOut } from "./lib/auth";
import { navigate, useLocation, usePageTitle } from "./lib/router";
import { setTheme, shownTheme, type Theme } from "./lib/theme";
import { AddMovie } from "./pages/AddMovie";
import { Browse } from "./pages/Browse";
import { Dashboard } from "./pages/Dashboard";
import { MovieDetail } from "./pages/MovieDetail";
import { Search } from "./pages/Search";
import { SignIn, type SignInReason } from "./pages/SignIn";
import { Sync } from "./pages/Sync";
import { TopRated } from "./pages/TopRated";

const NAV = [
  { href: "/", label: "Dashboard" },
  { href: "/search", label: "Search" },
  { href: "/browse", label: "Browse" },
  { href: "/top", label: "Top rated" },
  { href: "/add", label: "Add a movie" },
  { href: "/sync", label: "Library sync" },
];

// Only a path of this site, and never the sign-in page itself.
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/";
}

function NotFound({ path }: { path: string }) {
  usePageTitle("Page not found");
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at {path}. <Link href="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}

function Page({ path }: { path: string }) {
  const movie = path.match(/^\/movies\/([^/]+)$/);
  if (movie) return <MovieDetail id={decodeURIComponent(movie[1])} />;
  switch (path) {
    case "/":
      return <Dashboard />;
    case "/search":
      return <Search />;
    case "/browse":
      return <Browse />;
    case "/top":
      return <TopRated />;
    case "/add":
      return <AddMovie />;
    case "/sync":
      return <Sync />;
    default:
      return <NotFound path={path} />;
  }
}

export function App() {
  const { path, search, href } = useLocation();
  // undefined: still finding out (an expired id token is renewed with the refresh token first).
  const [session, setSession] = useState<Session | null | undefined>(() => currentSession() ?? undefined);
  const [reason, setReason] = useState<SignInReason>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [attempt, setAttempt] = useState(0); // "Try again" on a page that failed to load remounts it
  useEffect(() => {
    const again = () => setAttempt((n) => n + 1);
    window.addEventListener(RETRY, again);
    return () => window.removeEventListener(RETRY, again);
  }, []);
  const [theme, setShownTheme] = useState<Theme>(shownTheme);

  useEffect(() => {
    if (session !== undefined) return;
    const stored = currentSession(true);
    ensureSession().then((renewed) => {
      if (!renewed && stored) setReason("renew-failed");
      setSession(renewed);
    });
  }, [session]);

  useEffect(() => {
    // An expired session goes back to sign-in, then returns to where the person was.
    const expired = () => {
      setReason("renew-failed");
      setSession(null);
    };
    // Signing in or out in another tab applies here too.
    const storage = (event: StorageEvent) => {
      if (event.key === SESSION_KEY || event.key === null) setSession(currentSession() ?? (event.newValue ? undefined : null));
    };
    window.addEventListener(SESSION_EXPIRED, expired);
    window.addEventListener("storage", storage);
    return () => {
      window.removeEventListener(SESSION_EXPIRED, expired);
      window.removeEventListener("storage", storage);
    };
  }, []);

  useEffect(() => {
    if (session === null && path !== "/signin") {
      navigate(`/signin?next=${encodeURIComponent(href)}`, true);
    }
  }, [session, path, href]);

  useEffect(() => setMenuOpen(false), [href]);

  // /signin while signed in goes on to where sign-in would have led (B17).
  useEffect(() => {
    if (session && path === "/signin") navigate(safeNext(search.get("next")), true);
  }, [session, path, search]);

  // Escape or a click outside closes the menu; Escape gives focus back to the Menu button (B10).
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!menuOpen) return;
    const key = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    const click = (event: MouseEvent) => {
      if (!(event.target as Element).closest?.("header.top")) setMenuOpen(false);
    };
    document.addEventListener("keydown", key);
    document.addEventListener("mousedown", click);
    return () => {
      document.removeEventListener("keydown", key);
      document.removeEventListener("mousedown", click);
    };
  }, [menuOpen]);

  // "/" goes to the search box from anywhere but a text field (as on GitHub and YouTube). A layout effect: it
  // is listening before the first page is painted, so a "/" typed the moment the page shows is not lost.
  useLayoutEffect(() => {
    const slash = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement;
      if (target.closest?.("input, textarea, select, [contenteditable=true]")) return;
      event.preventDefault();
      const box = document.getElementById("search-input");
      if (box) box.focus();
      else navigate("/search", false, { focusSearch: true });
    };
    document.addEventListener("keydown", slash);
    return () => document.removeEventListener("keydown", slash);
  }, []);

  // A new page moves focus to its content, so keyboard and screen-reader users start there.
  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [path]);

  if (session === undefined) {
    return (
      <main id="main">
        <Loading label="Signing you in…" />
      </main>
    );
  }

  if (session && path === "/signin") {
    return (
      <main id="main">
        <Loading label="You are signed in; opening the app…" />
      </main>
    );
  }

  if (!session) {
    return (
      <SignIn
        reason={reason ?? (search.get("expired") === "1" ? "expired" : null)}
        onSignedIn={() => {
          setReason(null);
          setSession(currentSession());
          navigate(safeNext(search.get("next")), true);
        }}
      />
    );
  }

  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">Movie Library Explorer</Link>
        <button type="button" ref={menuButton} className="menu-button secondary" aria-expanded={menuOpen} aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav aria-label="Main" id="main-nav" className={menuOpen ? "open" : undefined}>
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={path === item.href ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
            <li>
              {/* A page of its own (Swagger UI), so the app's bundle does not carry it. */}
              <a href="/docs.html">API docs</a>
            </li>
          </ul>
          <div className="user">
            <button type="button" className="secondary theme-button" aria-label="Dark theme" aria-pressed={theme === "dark"} onClick={() => {
              const next = theme === "dark" ? "light" : "dark";
              setTheme(next);
              setShownTheme(next);
            }}>
              Dark
            </button>
            <span className="muted" aria-hidden="true">{session.email}</span>
            <button type="button" className="secondary" title={`Signed in as ${session.email}`} onClick={() => {
              setReason(null);
              setSession(null);
              void signOut();
            }}>
              Sign out<span className="visually-hidden"> {session.email}</span>
            </button>
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={attempt} path={path} />
      </main>
    </>
  );
}
