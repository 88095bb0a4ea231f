import { useEffect, useState } from "react";
import { Link } from "./components/Link";
import { SESSION_EXPIRED } from "./lib/api";
import { currentSession, signOut } from "./lib/auth";
import { navigate, useLocation } from "./lib/router";
import { AddMovie } from "./pages/AddMovie";
import { Browse } from "./pages/Browse";
import { Dashboard } from "./pages/Dashboard";
import { MovieDetail } from "./pages/MovieDetail";
import { Search } from "./pages/Search";
import { SignIn } from "./pages/SignIn";
import { TopRated } from "./pages/TopRated";

const NAV = [
  { href: "/", label: "Dashboard" },
  { href: "/search", label: "Search" },
  { href: "/browse", label: "Browse" },
  { href: "/top", label: "Top rated" },
  { href: "/add", label: "Add a movie" },
];

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
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at {path}. <Link href="/">Go to the dashboard</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const { path, search } = useLocation();
  const [session, setSession] = useState(currentSession);

  useEffect(() => {
    // An expired session goes back to sign-in, then returns to where the person was.
    const expired = () => {
      setSession(null);
      navigate(`/signin?expired=1&next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    };
    window.addEventListener(SESSION_EXPIRED, expired);
    return () => window.removeEventListener(SESSION_EXPIRED, expired);
  }, []);

  useEffect(() => {
    if (!session && path !== "/signin") {
      navigate(`/signin?next=${encodeURIComponent(path + (search.toString() ? `?${search}` : ""))}`, true);
    }
  }, [session, path, search]);

  if (!session || path === "/signin") {
    return (
      <SignIn
        expired={search.get("expired") === "1"}
        onSignedIn={() => {
          setSession(currentSession());
          const next = search.get("next");
          navigate(next && next.startsWith("/") && !next.startsWith("/signin") ? next : "/", true);
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
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={path === item.href ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <span className="muted">{session.email}</span>
          <button type="button" className="secondary" onClick={() => { signOut(); setSession(null); }}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Page path={path} />
      </main>
    </>
  );
}
