import { useEffect, useRef, useState } from "react";
import { Link } from "./components/Link";
import { Loading } from "./components/Status";
import { SESSION_EXPIRED } from "./lib/api";
import { currentSession, ensureSession, type Session, SESSION_KEY, signOut } from "./lib/auth";
import { navigate, useLocation, usePageTitle } from "./lib/router";
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

  if (!session || path === "/signin") {
    return (
      <SignIn
        reason={reason ?? (search.get("expired") === "1" ? "expired" : null)}
        onSignedIn={() => {
          setReason(null);
          setSession(currentSession());
          const next = search.get("next");
          navigate(next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/", true);
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
        <span className="brand">Movie Library Explorer</span>
        <button type="button" className="menu-button secondary" aria-expanded={menuOpen} aria-controls="main-nav"
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
        <Page path={path} />
      </main>
    </>
  );
}
